using Backup.Linux.FileSystem;

namespace Backup.Linux.Fanotify;

/// <summary>fanotify_mark(2) refused a mark; the message says why in terms of the filesystem and what to do.</summary>
public sealed class FanotifyMarkException : Exception
{
    public FanotifyMarkException(string path, int errno, FanotifyMask mask, bool adding)
        : base($"fanotify_mark {(adding ? "add" : "remove")} filesystem mark on \"{path}\" (mask {mask}): {Explain(path, errno, adding)}")
    {
        Path = path;
        Errno = errno;
        Mask = mask;
    }

    public string Path { get; }

    public int Errno { get; }

    public FanotifyMask Mask { get; }

    private static string Explain(string path, int errno, bool adding) => errno switch
    {
        ErrnoValues.EXDEV =>
            "the path is inside a btrfs subvolume (or a subvol= mount), whose fsid differs from the filesystem's (EXDEV); "
            + "mark a path in the top-level subvolume instead, for example a private mount with -o subvolid=5, which then covers every subvolume",
        Interop.Errors.ENODEV =>
            "the filesystem reports no fsid (FUSE and similar filesystems, ENODEV); fanotify cannot watch it, so it needs a full scan at each backup",
        Interop.Errors.EOPNOTSUPP =>
            "the filesystem cannot encode file handles, which a filesystem mark needs (overlayfs and some pseudo filesystems, EOPNOTSUPP); "
            + "watch the underlying filesystem instead, or fall back to a full scan",
        Interop.Errors.EPERM =>
            "a filesystem mark needs CAP_SYS_ADMIN (EPERM): run the daemon as root",
        Interop.Errors.EINVAL =>
            "the kernel rejected the request (EINVAL): unknown event bits in the mask, a group created without file-handle reporting, "
            + "or a kernel older than 5.17 (FAN_RENAME)",
        Interop.Errors.ENOENT when !adding =>
            "no filesystem mark with these events exists for this filesystem (ENOENT)",
        Interop.Errors.ENOSPC =>
            "the per-user limit of fanotify marks is reached (ENOSPC): raise fs.fanotify.max_user_marks",
        _ => FileSystemErrors.Describe(errno),
    };
}
