using System.Runtime.InteropServices;

namespace Backup.Linux;

internal static partial class Interop
{
    /// <summary>open(2): opens a file by path; returns a file descriptor or -1.</summary>
    /// <remarks>open is variadic; the mode travels as the third integer argument, which is where
    /// the x86-64 and AArch64 Linux calling conventions put it for variadic calls too.</remarks>
    [LibraryImport("libc", EntryPoint = "open", SetLastError = true)]
    internal static unsafe partial int Open(byte* path, int flags, uint mode);

    /// <summary>Flags of open(2) (asm-generic/fcntl.h); ARM and PowerPC give O_DIRECTORY and O_NOFOLLOW other values.</summary>
    internal static class OpenFlags
    {
        internal const int O_RDONLY = 0;
        internal const int O_WRONLY = 1;
        internal const int O_CREAT = 0x40;
        internal const int O_EXCL = 0x80;
        internal const int O_NONBLOCK = 0x800;
        internal const int O_NOATIME = 0x40000;
        internal const int O_CLOEXEC = 0x80000;

        internal static readonly int O_DIRECTORY = HasArmLayout ? 0x4000 : 0x10000;
        internal static readonly int O_NOFOLLOW = HasArmLayout ? 0x8000 : 0x20000;

        private static bool HasArmLayout =>
            RuntimeInformation.ProcessArchitecture is Architecture.Arm or Architecture.Arm64 or Architecture.Armv6 or Architecture.Ppc64le;
    }
}
