namespace Backup.Linux.Fanotify;

/// <summary>Event bits of fanotify_mark(2) and of the mask an event carries (linux/fanotify.h).</summary>
[Flags]
public enum FanotifyMask : ulong
{
    None = 0,
    Access = 0x1,
    Modify = 0x2,
    Attrib = 0x4,
    CloseWrite = 0x8,
    CloseNoWrite = 0x10,
    Open = 0x20,
    MovedFrom = 0x40,
    MovedTo = 0x80,
    Create = 0x100,
    Delete = 0x200,
    DeleteSelf = 0x400,
    MoveSelf = 0x800,
    OpenExec = 0x1000,
    QueueOverflow = 0x4000,
    FsError = 0x8000,
    MntAttach = 0x01000000,
    MntDetach = 0x02000000,
    EventOnChild = 0x08000000,
    Rename = 0x10000000,
    OnDir = 0x40000000,
}

/// <summary>Masks for the change journal.</summary>
public static class ChangeMask
{
    /// <summary>
    /// Everything that changes a directory listing or a file's content or metadata. OnDir is required:
    /// without it mkdir, rmdir, directory renames and directory chmod are not reported at all.
    /// CloseWrite is the only event shared-mmap and Linux AIO writers produce.
    /// </summary>
    public const FanotifyMask Default =
        FanotifyMask.Create | FanotifyMask.Delete | FanotifyMask.Rename | FanotifyMask.Modify
        | FanotifyMask.CloseWrite | FanotifyMask.Attrib | FanotifyMask.OnDir;

    /// <summary>
    /// What an ignore mark on a directory that the next backup lists anyway may hide: new, deleted, written
    /// and changed files in it. Renames stay reported, because a rename also changes the other directory, and
    /// an ignore mask on either directory would hide the whole event. Events about subdirectories stay
    /// reported (no OnDir), so that new subdirectories are seen and get marks of their own. Events about an
    /// inode without a name (a hard link's count) are not reported through the directory and are not hidden.
    /// </summary>
    public const FanotifyMask ChildrenOfNewDirectory =
        FanotifyMask.Create | FanotifyMask.Delete | FanotifyMask.Modify | FanotifyMask.CloseWrite | FanotifyMask.Attrib;
}
