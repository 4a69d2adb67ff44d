using Backup.Linux.FileSystem;

namespace Backup.Linux.Fanotify;

/// <summary>fanotify_init(2) failed; the message says what the errno means here and what to do.</summary>
public sealed class FanotifyInitException : Exception
{
    public FanotifyInitException(int errno, string what)
        : base($"fanotify_init ({what}): {Explain(errno)}")
    {
        Errno = errno;
    }

    public int Errno { get; }

    private static string Explain(int errno) => errno switch
    {
        Interop.Errors.EPERM =>
            "reporting file handles needs CAP_SYS_ADMIN (EPERM): run the daemon as root",
        Interop.Errors.EINVAL =>
            "the kernel does not know the requested flags (EINVAL): FAN_REPORT_TARGET_FID needs Linux 5.17, FAN_REPORT_MNT Linux 6.14",
        ErrnoValues.EMFILE =>
            "too many fanotify groups or open files (EMFILE): raise fs.fanotify.max_user_groups or the descriptor limit",
        ErrnoValues.ENOSYS =>
            "the kernel was built without fanotify (ENOSYS, CONFIG_FANOTIFY)",
        ErrnoValues.ENOMEM =>
            "the kernel is out of memory (ENOMEM)",
        _ => FileSystemErrors.Describe(errno),
    };
}
