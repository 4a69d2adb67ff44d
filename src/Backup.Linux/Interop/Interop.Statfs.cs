using System.Runtime.InteropServices;

namespace Backup.Linux;

internal static partial class Interop
{
    /// <summary>statfs(2): filesystem type, identifier and usage of the filesystem holding the path.</summary>
    [LibraryImport("libc", EntryPoint = "statfs", SetLastError = true)]
    internal static unsafe partial int Statfs(byte* path, StatfsBuffer* buffer);

    /// <summary>struct statfs of 64-bit glibc (x86-64, AArch64): every word is 8 bytes, f_fsid is two ints.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct StatfsBuffer
    {
        internal long Type;
        internal long BlockSize;
        internal ulong Blocks;
        internal ulong BlocksFree;
        internal ulong BlocksAvailable;
        internal ulong Files;
        internal ulong FilesFree;
        internal int Fsid0;
        internal int Fsid1;
        internal long NameLength;
        internal long FragmentSize;
        internal long Flags;
        private readonly long spare0;
        private readonly long spare1;
        private readonly long spare2;
        private readonly long spare3;
    }
}
