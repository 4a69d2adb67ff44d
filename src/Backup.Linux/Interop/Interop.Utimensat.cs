using System.Runtime.InteropServices;

namespace Backup.Linux;

internal static partial class Interop
{
    /// <summary>utimensat(2): times[0] is the access time, times[1] the modification time.</summary>
    [LibraryImport("libc", EntryPoint = "utimensat", SetLastError = true)]
    internal static unsafe partial int Utimensat(int dirfd, byte* path, TimeSpec* times, int flags);

    /// <summary>struct timespec on 64-bit Linux.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct TimeSpec
    {
        internal long Seconds;
        internal long Nanoseconds;
    }
}
