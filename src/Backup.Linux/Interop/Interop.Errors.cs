namespace Backup.Linux;

internal static partial class Interop
{
    /// <summary>errno values (asm-generic/errno-base.h, errno.h); the same on every Linux architecture we run on.</summary>
    internal static class Errors
    {
        internal const int EPERM = 1;
        internal const int ENOENT = 2;
        internal const int ESRCH = 3;
        internal const int EINTR = 4;
        internal const int EIO = 5;
        internal const int EBADF = 9;
        internal const int EACCES = 13;
        internal const int EBUSY = 16;
        internal const int EEXIST = 17;
        internal const int ENODEV = 19;
        internal const int ENOTDIR = 20;
        internal const int EISDIR = 21;
        internal const int EINVAL = 22;
        internal const int ENOTTY = 25;
        internal const int ENOSPC = 28;
        internal const int EROFS = 30;
        internal const int ERANGE = 34;
        internal const int ENAMETOOLONG = 36;
        internal const int ELOOP = 40;
        internal const int ENODATA = 61;
        internal const int EOPNOTSUPP = 95;
    }
}
