using System.Runtime.InteropServices;

namespace Backup.Linux.Btrfs;

/// <summary>Request numbers, argument layouts and tree constants of linux/btrfs.h and linux/btrfs_tree.h.</summary>
internal static class BtrfsIoctl
{
    private const uint Magic = 0x94;

    /// <summary>BTRFS_IOC_SYNC: commits the running transaction.</summary>
    internal static readonly nuint Sync = Interop.IoctlNumber.Io(Magic, 8);

    /// <summary>BTRFS_IOC_TREE_SEARCH_V2; the size is that of the arguments without the flexible result buffer.</summary>
    internal static readonly nuint TreeSearchV2 = Interop.IoctlNumber.IoWR(Magic, 17, SearchArgsV2Size);

    /// <summary>BTRFS_IOC_INO_LOOKUP: the path of a directory inode within a tree.</summary>
    internal static readonly nuint InoLookup = Interop.IoctlNumber.IoWR(Magic, 18, InoLookupArgsSize);

    /// <summary>BTRFS_IOC_INO_PATHS: every path of an inode within the descriptor's subvolume.</summary>
    internal static readonly nuint InoPaths = Interop.IoctlNumber.IoWR(Magic, 35, InoPathArgsSize);

    /// <summary>BTRFS_IOC_GET_SUBVOL_INFO: the root item of the descriptor's subvolume.</summary>
    internal static readonly nuint GetSubvolInfo = Interop.IoctlNumber.IoR(Magic, 60, SubvolInfoArgsSize);

    internal const long SuperMagic = 0x9123683E;

    internal const int SearchKeySize = 104;
    internal const int SearchArgsV2Size = SearchKeySize + 8;
    internal const int SearchHeaderSize = 32;
    internal const int InoLookupArgsSize = 4096;
    internal const int InoLookupNameOffset = 16;
    internal const int InoPathArgsSize = 56;
    internal const int DataContainerHeaderSize = 16;
    internal const int SubvolInfoArgsSize = 504;

    internal const ulong RootTreeObjectId = 1;
    internal const ulong FsTreeObjectId = 5;
    internal const ulong FirstFreeObjectId = 256;
    internal const ulong LastFreeObjectId = unchecked((ulong)-256L);

    internal const byte InodeItemKey = 1;
    internal const byte InodeRefKey = 12;
    internal const byte InodeExtrefKey = 13;
    internal const byte RootItemKey = 132;
    internal const byte RootBackrefKey = 144;

    internal const ulong RootSubvolReadOnly = 1;

    /// <summary>struct btrfs_ioctl_search_key (native byte order).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct SearchKey
    {
        internal ulong TreeId;
        internal ulong MinObjectId;
        internal ulong MaxObjectId;
        internal ulong MinOffset;
        internal ulong MaxOffset;
        internal ulong MinTransid;
        internal ulong MaxTransid;
        internal uint MinType;
        internal uint MaxType;
        internal uint ItemCount;
        private readonly uint unused;
        private readonly ulong unused1;
        private readonly ulong unused2;
        private readonly ulong unused3;
        private readonly ulong unused4;
    }

    /// <summary>struct btrfs_ioctl_search_header, in front of every item the search returns.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal readonly struct SearchHeader
    {
        /// <summary>The generation of the leaf the item sits in, not of the item.</summary>
        internal readonly ulong Transid;
        internal readonly ulong ObjectId;
        internal readonly ulong Offset;
        internal readonly uint Type;
        internal readonly uint Length;
    }

    /// <summary>struct btrfs_ioctl_ino_path_args.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct InoPathArgs
    {
        internal ulong Inode;
        internal ulong Size;
        private readonly ulong reserved0;
        private readonly ulong reserved1;
        private readonly ulong reserved2;
        private readonly ulong reserved3;
        internal ulong FsPath;
    }

    /// <summary>Offsets in struct btrfs_inode_item (packed, little-endian).</summary>
    internal static class InodeItem
    {
        internal const int Transid = 8;
        internal const int LinkCount = 40;
        internal const int Mode = 52;
        internal const int MinimumLength = Mode + 4;
    }

    /// <summary>Offsets in struct btrfs_root_item (packed, little-endian).</summary>
    internal static class RootItem
    {
        internal const int Generation = 160;
        internal const int Flags = 208;
        internal const int Refs = 216;

        /// <summary>Where items written by kernels before 3.5 end; the fields after it are valid only
        /// when generation_v2 equals generation.</summary>
        internal const int GenerationV2 = 239;
        internal const int Uuid = 247;
        internal const int ParentUuid = 263;
        internal const int Otransid = 303;
        internal const int MinimumLength = Refs + 4;
        internal const int MinimumV2Length = Otransid + 8;
    }

    /// <summary>Offsets in struct btrfs_ioctl_get_subvol_info_args (native byte order).</summary>
    internal static class SubvolInfoArgs
    {
        internal const int TreeId = 0;
        internal const int ParentId = 264;
        internal const int Generation = 280;
        internal const int Flags = 288;
        internal const int Uuid = 296;
        internal const int ParentUuid = 312;
        internal const int Otransid = 352;
    }

    /// <summary>struct btrfs_root_ref: dirid, sequence, name_len, then the name.</summary>
    internal static class RootRef
    {
        internal const int DirId = 0;
        internal const int NameLength = 16;
        internal const int Name = 18;
    }
}
