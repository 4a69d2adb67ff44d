namespace Backup.Linux;

internal static partial class Interop
{
    /// <summary>Directory file descriptor and flags of the *at(2) calls (linux/fcntl.h).</summary>
    internal static class At
    {
        internal const int FDCWD = -100;
        internal const int SYMLINK_NOFOLLOW = 0x100;
        internal const int NO_AUTOMOUNT = 0x800;
        internal const int EMPTY_PATH = 0x1000;
    }
}
