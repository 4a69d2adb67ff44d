using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Backup.Linux;

internal static partial class Interop
{
    /// <summary>statx(2): file status relative to a directory descriptor (or of the descriptor itself with AT_EMPTY_PATH).</summary>
    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true)]
    internal static unsafe partial int Statx(int dirfd, byte* path, int flags, uint mask, StatxBuffer* buffer);

    /// <summary>statx(2) of an open descriptor: path "" with AT_EMPTY_PATH.</summary>
    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true)]
    internal static unsafe partial int Statx(SafeFileHandle dirfd, byte* path, int flags, uint mask, StatxBuffer* buffer);

    /// <summary>STATX_BASIC_STATS: everything struct stat has.</summary>
    internal const uint STATX_BASIC_STATS = 0x7ff;

    internal const uint S_IFMT = 0xF000;
    internal const uint S_IFSOCK = 0xC000;
    internal const uint S_IFLNK = 0xA000;
    internal const uint S_IFREG = 0x8000;
    internal const uint S_IFBLK = 0x6000;
    internal const uint S_IFDIR = 0x4000;
    internal const uint S_IFCHR = 0x2000;
    internal const uint S_IFIFO = 0x1000;

    [StructLayout(LayoutKind.Sequential)]
    internal struct StatxTimestamp
    {
        internal long Seconds;
        internal uint Nanoseconds;
        private readonly int reserved;
    }

    /// <summary>struct statx (linux/stat.h); 256 bytes, the tail is reserved for fields newer kernels add.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct StatxBuffer
    {
        internal uint Mask;
        internal uint BlockSize;
        internal ulong Attributes;
        internal uint Links;
        internal uint Uid;
        internal uint Gid;
        internal ushort Mode;
        private readonly ushort spare0;
        internal ulong Inode;
        internal ulong Size;
        internal ulong Blocks;
        internal ulong AttributesMask;
        internal StatxTimestamp Atime;
        internal StatxTimestamp Btime;
        internal StatxTimestamp Ctime;
        internal StatxTimestamp Mtime;
        internal uint RDevMajor;
        internal uint RDevMinor;
        internal uint DevMajor;
        internal uint DevMinor;
        private readonly Reserved112 reserved;
    }

    [InlineArray(112)]
    internal struct Reserved112
    {
        private byte element;
    }
}
