using Backup.Linux.FileSystem;
using Microsoft.Win32.SafeHandles;
using static Backup.Linux.Interop.FanotifyInitFlags;
using static Backup.Linux.Interop.FanotifyMarkFlags;

namespace Backup.Linux.Fanotify;

/// <summary>
/// Notices mounts and unmounts in this process's mount namespace. A fanotify filesystem mark disappears
/// silently when its filesystem is unmounted and does not come back on the next mount, so the journal must
/// re-check its marks after every change reported here.
/// </summary>
public sealed class MountWatcher : IDisposable
{
    private const string MountNamespace = "/proc/self/ns/mnt";
    private const string MountInfo = "/proc/self/mountinfo";

    private readonly FanotifyGroup? group;
    private readonly SafeFileHandle? mountInfo;
    private readonly byte[]? buffer;
    private readonly List<FanotifyEvent> events = [];

    private MountWatcher(FanotifyGroup? group, SafeFileHandle? mountInfo)
    {
        this.group = group;
        this.mountInfo = mountInfo;
        buffer = group is null ? null : new byte[16 * 1024];
    }

    /// <summary>
    /// Watches with a fanotify mount-namespace mark (FAN_MNT_ATTACH/FAN_MNT_DETACH, Linux 6.14), or where the
    /// kernel or the privileges do not allow that, with poll(2) on /proc/self/mountinfo.
    /// </summary>
    public static MountWatcher Create()
    {
        FanotifyGroup? group = null;
        try
        {
            group = FanotifyGroup.Create(FAN_CLASS_NOTIF | FAN_REPORT_MNT | FAN_CLOEXEC | FAN_NONBLOCK, "mount watcher, FAN_REPORT_MNT");
            group.Mark(FAN_MARK_ADD | FAN_MARK_MNTNS, FanotifyMask.MntAttach | FanotifyMask.MntDetach, MountNamespace);
            return new MountWatcher(group, null);
        }
        catch (Exception e) when (e is FanotifyInitException or FanotifyMarkException)
        {
            group?.Dispose();
            return CreatePolling();
        }
    }

    /// <summary>The fallback on its own: poll(2) of /proc/self/mountinfo for POLLPRI, which also sees remounts.</summary>
    public static unsafe MountWatcher CreatePolling()
    {
        Span<byte> scratch = stackalloc byte[NativePath.StackSize];
        using var native = new NativePath(MountInfo, scratch, "open");
        int fd;
        fixed (byte* p = native)
        {
            fd = Interop.Open(p, Interop.OpenFlags.O_RDONLY | Interop.OpenFlags.O_CLOEXEC, 0);
        }

        if (fd < 0)
        {
            throw FileSystemErrors.LastError("open", MountInfo);
        }

        return new MountWatcher(null, new SafeFileHandle(fd, ownsHandle: true));
    }

    /// <summary>Whether the fanotify mount-namespace mark is in use (otherwise mountinfo is polled).</summary>
    public bool UsesFanotify => group is not null;

    /// <summary>
    /// Waits up to the timeout (milliseconds, -1 for none) for a mount, an unmount or (when polling mountinfo)
    /// any other change of the mount table; true when one happened. Everything pending is consumed, so
    /// several changes in a row give one true.
    /// </summary>
    public bool WaitForChange(int timeoutMs)
    {
        if (group is not null)
        {
            if (!group.WaitReadable(timeoutMs))
            {
                return false;
            }

            var changed = false;
            int count;
            while ((count = group.Read(buffer)) > 0)
            {
                events.Clear();
                FanotifyEventParser.Parse(buffer.AsSpan(0, count), events);
                changed |= events.Exists(e => (e.Mask & (FanotifyMask.MntAttach | FanotifyMask.MntDetach | FanotifyMask.QueueOverflow)) != 0);
            }

            return changed;
        }

        // The kernel compares the namespace's event counter with what this file last saw on every poll,
        // so one poll that reports POLLPRI also consumes everything before it.
        var ready = FanotifyGroup.PollOne(mountInfo!, Interop.POLLPRI, timeoutMs);
        return (ready & (Interop.POLLPRI | Interop.POLLERR)) != 0;
    }

    public void Dispose()
    {
        group?.Dispose();
        mountInfo?.Dispose();
    }
}
