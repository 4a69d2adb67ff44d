using Backup.Core.Archiving;
using Backup.Linux.Fanotify;

namespace Backup.Daemon.Watching;

/// <summary>
/// Turns fanotify events into journal entries (see docs/architecture.md, "Change journal"):
/// an entry named in a directory marks that directory's children as changed; a directory's own
/// event (name ".") marks the directory itself; a moved directory's subtree is new to a path-based
/// snapshot; an event without any directory record names only an inode; an overflow is a gap.
/// </summary>
internal static class EventTranslator
{
    public static void Translate(FanotifyEvent e, int ownPid, PendingChanges into)
    {
        if ((e.Mask & FanotifyMask.QueueOverflow) != 0)
        {
            into.AddGap("the kernel's event queue overflowed (fs.fanotify.max_queued_events), so changes were lost");
            return;
        }

        // backupd's own writes (its database, its reads through handles) are not the user's changes.
        if (e.Pid == ownPid)
        {
            return;
        }

        var sawDirectory = false;
        FanotifyInfo? target = null;
        foreach (var info in e.Infos)
        {
            switch (info.Type)
            {
                case FanotifyInfoType.DfidName or FanotifyInfoType.OldDfidName or FanotifyInfoType.NewDfidName or FanotifyInfoType.Dfid when info.Handle is { } handle:
                    sawDirectory = true;
                    into.AddDirectory(info.Fsid, handle, FlagsFor(info.Name));
                    break;
                case FanotifyInfoType.Fid when info.Handle is not null:
                    target = info;
                    break;
            }
        }

        if (target is not { Handle: { } targetHandle } fid)
        {
            return;
        }

        if (!sawDirectory)
        {
            into.AddInode(fid.Fsid, targetHandle);
        }
        else if ((e.Mask & (FanotifyMask.Rename | FanotifyMask.MovedTo)) != 0 && (e.Mask & FanotifyMask.OnDir) != 0)
        {
            // A directory moved in from elsewhere: everything below it has new paths.
            into.AddDirectory(fid.Fsid, targetHandle, DirtyFlags.Recursive);
        }
    }

    /// <summary>
    /// The directory a mkdir made, named by its own handle (FAN_REPORT_TARGET_FID), or null for any other event.
    /// Translate has already marked the directory it was made in.
    /// </summary>
    public static (Fsid Fsid, FileHandle Handle)? CreatedDirectory(FanotifyEvent e, int ownPid)
    {
        const FanotifyMask MadeDirectory = FanotifyMask.Create | FanotifyMask.OnDir;
        if ((e.Mask & MadeDirectory) != MadeDirectory || (e.Mask & FanotifyMask.QueueOverflow) != 0 || e.Pid == ownPid
            || e.Find(FanotifyInfoType.DfidName) is null)
        {
            return null;
        }

        return e.Find(FanotifyInfoType.Fid) is { Handle: { } handle } fid ? (fid.Fsid, handle) : null;
    }

    /// <summary>"." is the directory's own event; a record without a name could be either, so it counts as both.</summary>
    private static DirtyFlags FlagsFor(string? name) => name switch
    {
        "." => DirtyFlags.Self,
        null => DirtyFlags.Self | DirtyFlags.Children,
        _ => DirtyFlags.Children,
    };
}
