using System.Diagnostics;
using System.Runtime.InteropServices;
using Backup.Linux.FileSystem;
using Microsoft.Win32.SafeHandles;
using static Backup.Linux.Interop.FanotifyInitFlags;
using static Backup.Linux.Interop.FanotifyMarkFlags;

namespace Backup.Linux.Fanotify;

/// <summary>
/// Notices mounts, unmounts and remounts in this process's mount namespace. A fanotify filesystem mark
/// disappears silently when its filesystem is unmounted and does not come back on the next mount, so the
/// journal must re-check its marks after every change reported here. The fanotify mount-namespace mark
/// reports attach and detach only, not remounts, so /proc/self/mountinfo is polled alongside it.
/// </summary>
public sealed class MountWatcher : IDisposable
{
    private const string MountNamespace = "/proc/self/ns/mnt";
    private const string MountInfo = "/proc/self/mountinfo";

    private readonly FanotifyGroup? group;
    private readonly SafeFileHandle mountInfo;
    private readonly byte[] buffer;
    private readonly List<FanotifyEvent> events = [];

    private MountWatcher(FanotifyGroup? group, SafeFileHandle mountInfo)
    {
        this.group = group;
        this.mountInfo = mountInfo;
        buffer = group is null ? [] : new byte[16 * 1024];
    }

    /// <summary>
    /// Watches with a fanotify mount-namespace mark (FAN_MNT_ATTACH/FAN_MNT_DETACH, Linux 6.14), or where the
    /// kernel or the privileges do not allow that, with poll(2) on /proc/self/mountinfo.
    /// </summary>
    public static MountWatcher Create()
    {
        var mountInfo = OpenMountInfo();
        FanotifyGroup? group = null;
        try
        {
            group = FanotifyGroup.Create(FAN_CLASS_NOTIF | FAN_REPORT_MNT | FAN_CLOEXEC | FAN_NONBLOCK, "mount watcher, FAN_REPORT_MNT");
            group.Mark(FAN_MARK_ADD | FAN_MARK_MNTNS, FanotifyMask.MntAttach | FanotifyMask.MntDetach, MountNamespace);
            return new MountWatcher(group, mountInfo);
        }
        catch (Exception e) when (e is FanotifyInitException or FanotifyMarkException)
        {
            group?.Dispose();
            return new MountWatcher(null, mountInfo);
        }
    }

    /// <summary>The fallback on its own: poll(2) of /proc/self/mountinfo for POLLPRI.</summary>
    public static MountWatcher CreatePolling() => new(null, OpenMountInfo());

    private static unsafe SafeFileHandle OpenMountInfo()
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

        return new SafeFileHandle(fd, ownsHandle: true);
    }

    /// <summary>Whether the fanotify mount-namespace mark is in use (mountinfo is polled either way).</summary>
    public bool UsesFanotify => group is not null;

    /// <summary>How many attach, detach or overflow events fanotify has delivered so far.</summary>
    internal int MountEventCount { get; private set; }

    /// <summary>
    /// Waits up to the timeout (milliseconds, -1 for none) for a mount, an unmount, a remount or any other
    /// change of the mount table; true when one happened. Everything pending is consumed, so several changes
    /// in a row usually give one true (rarely two: the two sources can report the same change apart).
    /// </summary>
    public bool WaitForChange(int timeoutMs)
    {
        var (mountInfoReady, groupReady) = Poll(timeoutMs);
        var changed = (mountInfoReady & (Interop.POLLPRI | Interop.POLLERR)) != 0;
        if (group is not null && groupReady != 0)
        {
            int count;
            while ((count = group.Read(buffer)) > 0)
            {
                events.Clear();
                FanotifyEventParser.Parse(buffer.AsSpan(0, count), events);
                foreach (var e in events)
                {
                    if ((e.Mask & (FanotifyMask.MntAttach | FanotifyMask.MntDetach | FanotifyMask.QueueOverflow)) != 0)
                    {
                        changed = true;
                        MountEventCount++;
                    }
                }
            }
        }

        if (changed)
        {
            // The kernel compares the namespace's event counter with what this file last saw on every poll,
            // so this also consumes the mountinfo side of changes fanotify reported first.
            FanotifyGroup.PollOne(mountInfo, Interop.POLLPRI, 0);
        }

        return changed;
    }

    private unsafe (short MountInfo, short Group) Poll(int timeoutMs)
    {
        if (group is null)
        {
            return (FanotifyGroup.PollOne(mountInfo, Interop.POLLPRI, timeoutMs), 0);
        }

        using var mountInfoLease = new DescriptorLease(mountInfo);
        using var groupLease = new DescriptorLease(group.Descriptor);
        var clock = Stopwatch.StartNew();
        var fds = stackalloc Interop.PollFd[2];
        while (true)
        {
            fds[0] = new Interop.PollFd { Fd = mountInfoLease.Fd, Events = Interop.POLLPRI };
            fds[1] = new Interop.PollFd { Fd = groupLease.Fd, Events = Interop.POLLIN };
            var remaining = timeoutMs < 0 ? -1 : (int)Math.Max(0, timeoutMs - clock.ElapsedMilliseconds);
            var ready = Interop.Poll(fds, 2, remaining);
            if (ready >= 0)
            {
                return (fds[0].ReturnedEvents, fds[1].ReturnedEvents);
            }

            var errno = Marshal.GetLastPInvokeError();
            if (errno != Interop.Errors.EINTR)
            {
                throw new IOException($"poll: {FileSystemErrors.Describe(errno)}", errno);
            }
        }
    }

    public void Dispose()
    {
        group?.Dispose();
        mountInfo.Dispose();
    }
}
