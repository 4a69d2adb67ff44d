using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Backup.Core.FileSystem;

namespace Backup.Linux.Btrfs;

public static partial class BtrfsFilesystem
{
    /// <summary>
    /// The subvolume that holds the path (BTRFS_IOC_GET_SUBVOL_INFO, which needs no privilege). Its path
    /// needs CAP_SYS_ADMIN and is null without it.
    /// </summary>
    public static unsafe SubvolumeInfo GetSubvolumeInfo(string path)
    {
        var fd = Open(path);
        try
        {
            var arguments = new byte[BtrfsIoctl.SubvolInfoArgsSize];
            fixed (byte* a = arguments)
            {
                Ioctl(fd, BtrfsIoctl.GetSubvolInfo, a, "ioctl BTRFS_IOC_GET_SUBVOL_INFO", path);
            }

            ReadOnlySpan<byte> info = arguments;
            var id = MemoryMarshal.Read<ulong>(info[BtrfsIoctl.SubvolInfoArgs.TreeId..]);
            string? subvolumePath;
            try
            {
                subvolumePath = new SubvolumePaths(fd, path).Resolve(id);
            }
            catch (BtrfsException e) when (e.Errno == Interop.Errors.EPERM)
            {
                subvolumePath = null;
            }

            return new SubvolumeInfo(
                id,
                MemoryMarshal.Read<ulong>(info[BtrfsIoctl.SubvolInfoArgs.Generation..]),
                MemoryMarshal.Read<ulong>(info[BtrfsIoctl.SubvolInfoArgs.ParentId..]),
                new Guid(info.Slice(BtrfsIoctl.SubvolInfoArgs.Uuid, 16), bigEndian: true),
                subvolumePath)
            {
                CreatedGeneration = MemoryMarshal.Read<ulong>(info[BtrfsIoctl.SubvolInfoArgs.Otransid..]),
                IsReadOnly = (MemoryMarshal.Read<ulong>(info[BtrfsIoctl.SubvolInfoArgs.Flags..]) & BtrfsIoctl.RootSubvolReadOnly) != 0,
                ParentUuid = new Guid(info.Slice(BtrfsIoctl.SubvolInfoArgs.ParentUuid, 16), bigEndian: true),
            };
        }
        finally
        {
            Interop.Close(fd);
        }
    }

    /// <summary>
    /// Every subvolume of the filesystem that holds the path, the top level (id 5) first, from the root
    /// items and back references of the root tree. Subvolumes deleted but not yet cleaned up are left out.
    /// </summary>
    public static IReadOnlyList<SubvolumeInfo> ListSubvolumes(string topLevelPath)
    {
        var fd = Open(topLevelPath);
        try
        {
            var roots = new List<SubvolumeInfo>();
            var paths = new SubvolumePaths(fd, topLevelPath);
            TreeSearch.Run(
                fd,
                topLevelPath,
                BtrfsIoctl.RootTreeObjectId,
                new TreeSearch.Key(BtrfsIoctl.FsTreeObjectId, BtrfsIoctl.RootItemKey, 0),
                new TreeSearch.Key(BtrfsIoctl.LastFreeObjectId, BtrfsIoctl.RootBackrefKey, ulong.MaxValue),
                0,
                (in header, item) =>
                {
                    var id = header.ObjectId;
                    if (id != BtrfsIoctl.FsTreeObjectId && id < BtrfsIoctl.FirstFreeObjectId)
                    {
                        return;
                    }

                    if (header.Type == BtrfsIoctl.RootItemKey && ParseRootItem(id, item) is { } root)
                    {
                        roots.Add(root);
                    }
                    else if (header.Type == BtrfsIoctl.RootBackrefKey)
                    {
                        paths.AddBackref(id, header.Offset, item);
                    }
                });

            return roots
                .Select(root => root with
                {
                    ParentId = paths.ParentOf(root.Id),
                    Path = paths.Resolve(root.Id),
                })
                .ToList();
        }
        finally
        {
            Interop.Close(fd);
        }
    }

    private static SubvolumeInfo? ParseRootItem(ulong id, ReadOnlySpan<byte> item)
    {
        if (item.Length < BtrfsIoctl.RootItem.MinimumLength
            || BinaryPrimitives.ReadUInt32LittleEndian(item[BtrfsIoctl.RootItem.Refs..]) == 0)
        {
            return null;
        }

        var generation = BinaryPrimitives.ReadUInt64LittleEndian(item[BtrfsIoctl.RootItem.Generation..]);
        var flags = BinaryPrimitives.ReadUInt64LittleEndian(item[BtrfsIoctl.RootItem.Flags..]);
        var info = new SubvolumeInfo(id, generation, 0, Guid.Empty, null)
        {
            IsReadOnly = (flags & BtrfsIoctl.RootSubvolReadOnly) != 0,
        };

        // UUIDs and transids exist only in items a kernel since 3.5 wrote and kept up to date.
        if (item.Length >= BtrfsIoctl.RootItem.MinimumV2Length
            && BinaryPrimitives.ReadUInt64LittleEndian(item[BtrfsIoctl.RootItem.GenerationV2..]) == generation)
        {
            info = info with
            {
                Uuid = new Guid(item.Slice(BtrfsIoctl.RootItem.Uuid, 16), bigEndian: true),
                ParentUuid = new Guid(item.Slice(BtrfsIoctl.RootItem.ParentUuid, 16), bigEndian: true),
                CreatedGeneration = BinaryPrimitives.ReadUInt64LittleEndian(item[BtrfsIoctl.RootItem.Otransid..]),
            };
        }

        return info;
    }

    /// <summary>Subvolume paths from the top level: each back reference names the parent subvolume, the
    /// directory in it and the entry name; INO_LOOKUP gives the directory's path in the parent.</summary>
    private sealed class SubvolumePaths(int fd, string path)
    {
        private readonly Dictionary<ulong, (ulong Parent, ulong Directory, string Name)> backrefs = [];
        private readonly Dictionary<ulong, string?> resolved = new() { [BtrfsIoctl.FsTreeObjectId] = "" };

        internal void AddBackref(ulong id, ulong parent, ReadOnlySpan<byte> item)
        {
            var directory = BinaryPrimitives.ReadUInt64LittleEndian(item[BtrfsIoctl.RootRef.DirId..]);
            var length = BinaryPrimitives.ReadUInt16LittleEndian(item[BtrfsIoctl.RootRef.NameLength..]);
            backrefs[id] = (parent, directory, PathEncoding.Decode(item.Slice(BtrfsIoctl.RootRef.Name, length)));
        }

        internal ulong ParentOf(ulong id) => backrefs.TryGetValue(id, out var backref) ? backref.Parent : 0;

        /// <summary>The path relative to the top level, or null for a subvolume no longer linked anywhere.</summary>
        internal string? Resolve(ulong id)
        {
            if (resolved.TryGetValue(id, out var known))
            {
                return known;
            }

            if (!backrefs.ContainsKey(id))
            {
                LoadBackref(id);
            }

            string? result = null;
            if (backrefs.TryGetValue(id, out var backref))
            {
                resolved[id] = null; // a cycle cannot happen on a sound filesystem; this stops one anyway
                var parentPath = Resolve(backref.Parent);
                if (parentPath is not null)
                {
                    var inParent = DirectoryPath(fd, path, backref.Parent, backref.Directory) + backref.Name;
                    result = parentPath.Length == 0 ? inParent : parentPath + "/" + inParent;
                }
            }

            resolved[id] = result;
            return result;
        }

        private void LoadBackref(ulong id)
        {
            TreeSearch.Run(
                fd,
                path,
                BtrfsIoctl.RootTreeObjectId,
                new TreeSearch.Key(id, BtrfsIoctl.RootBackrefKey, 0),
                new TreeSearch.Key(id, BtrfsIoctl.RootBackrefKey, ulong.MaxValue),
                0,
                (in header, item) =>
                {
                    if (header.Type == BtrfsIoctl.RootBackrefKey)
                    {
                        AddBackref(header.ObjectId, header.Offset, item);
                    }
                });
        }
    }

    /// <summary>
    /// The path of a directory inode within a tree (BTRFS_IOC_INO_LOOKUP; tree 0 is the descriptor's
    /// subvolume), with a trailing slash, or "" for the tree's root directory.
    /// </summary>
    private static unsafe string DirectoryPath(int fd, string path, ulong treeId, ulong directory)
    {
        var arguments = new byte[BtrfsIoctl.InoLookupArgsSize];
        MemoryMarshal.Write(arguments, treeId);
        MemoryMarshal.Write(arguments.AsSpan(8), directory);
        fixed (byte* a = arguments)
        {
            Ioctl(fd, BtrfsIoctl.InoLookup, a, "ioctl BTRFS_IOC_INO_LOOKUP", path, $"directory {directory} of tree {treeId}");
        }

        var name = arguments.AsSpan(BtrfsIoctl.InoLookupNameOffset);
        var end = name.IndexOf((byte)0);
        return PathEncoding.Decode(end < 0 ? name : name[..end]);
    }
}
