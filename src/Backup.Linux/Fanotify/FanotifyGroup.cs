using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Backup.Linux.FileSystem;
using Microsoft.Win32.SafeHandles;
using static Backup.Linux.Interop.FanotifyInitFlags;
using static Backup.Linux.Interop.FanotifyMarkFlags;

namespace Backup.Linux.Fanotify;

/// <summary>
/// A fanotify notification group (fanotify(7)): a descriptor the kernel queues events on for every mark the
/// group holds. Reading is non-blocking; <see cref="WaitReadable"/> waits for events.
/// </summary>
public sealed class FanotifyGroup : IDisposable
{
    private readonly SafeFileHandle descriptor;

    private FanotifyGroup(SafeFileHandle descriptor)
    {
        this.descriptor = descriptor;
    }

    /// <summary>
    /// The group for the change journal: parent directory handle and name for every event
    /// (FAN_REPORT_DFID_NAME), the object's own handle where the event is about a file or where no parent is
    /// known, such as writes through handle-opened files (FAN_REPORT_FID), and the child's handle in create,
    /// delete and rename events (FAN_REPORT_TARGET_FID). The queue length is fs.fanotify.max_queued_events at
    /// this moment; beyond it the kernel drops events and queues one <see cref="FanotifyMask.QueueOverflow"/>.
    /// </summary>
    /// <exception cref="FanotifyInitException">The kernel refused (no CAP_SYS_ADMIN, kernel too old, too many groups).</exception>
    public static FanotifyGroup CreateChangeGroup() =>
        Create(
            FAN_CLASS_NOTIF | FAN_CLOEXEC | FAN_NONBLOCK | FAN_REPORT_DFID_NAME | FAN_REPORT_FID | FAN_REPORT_TARGET_FID,
            "change group, FAN_REPORT_DFID_NAME|FAN_REPORT_FID|FAN_REPORT_TARGET_FID");

    internal static FanotifyGroup Create(uint flags, string what)
    {
        var eventFileFlags = Interop.OpenFlags.O_RDONLY | LargeFile | Interop.OpenFlags.O_CLOEXEC;
        var fd = Interop.FanotifyInit(flags, (uint)eventFileFlags);
        if (fd < 0)
        {
            throw new FanotifyInitException(Marshal.GetLastPInvokeError(), what);
        }

        return new FanotifyGroup(new SafeFileHandle(fd, ownsHandle: true));
    }

    /// <summary>Watches the whole filesystem (superblock) that holds the path, through every mount of it.</summary>
    /// <exception cref="FanotifyMarkException">The kernel refused; the message explains btrfs subvolumes, FUSE, overlayfs, permissions.</exception>
    public void AddFilesystemMark(string path, FanotifyMask mask) =>
        Mark(FAN_MARK_ADD | FAN_MARK_FILESYSTEM, mask, path);

    /// <summary>Removes the given events from the filesystem mark (the mark goes when no events are left).</summary>
    public void RemoveFilesystemMark(string path, FanotifyMask mask) =>
        Mark(FAN_MARK_REMOVE | FAN_MARK_FILESYSTEM, mask, path);

    internal unsafe void Mark(uint flags, FanotifyMask mask, string path)
    {
        ObjectDisposedException.ThrowIf(descriptor.IsClosed, this);
        Span<byte> scratch = stackalloc byte[NativePath.StackSize];
        using var native = new NativePath(path, scratch, "fanotify_mark");
        fixed (byte* p = native)
        {
            if (Interop.FanotifyMark(descriptor, flags, (ulong)mask, Interop.At.FDCWD, p) != 0)
            {
                throw new FanotifyMarkException(path, Marshal.GetLastPInvokeError(), mask, (flags & FAN_MARK_ADD) != 0);
            }
        }
    }

    /// <summary>
    /// Adds an ignore mark (FAN_MARK_IGNORE) to the open directory: the kernel no longer builds the
    /// <paramref name="mask"/> events about it or about its children (FAN_EVENT_ON_CHILD is added), also for the
    /// group's filesystem marks. Events about subdirectories stay reported unless the mask holds
    /// <see cref="FanotifyMask.OnDir"/>. The mark holds the directory's inode in memory until
    /// <see cref="RemoveInodeMarks"/>, or until the directory is deleted or its filesystem unmounted.
    /// </summary>
    /// <returns>
    /// <see cref="IgnoreMarkResult.Unsupported"/> before Linux 6.0 (EINVAL); <see cref="IgnoreMarkResult.Refused"/>
    /// with the errno otherwise, e.g. ENOSPC past fs.fanotify.max_user_marks.
    /// </returns>
    public unsafe IgnoreMarkResult TryIgnore(SafeFileHandle directory, FanotifyMask mask, out int errno)
    {
        ObjectDisposedException.ThrowIf(descriptor.IsClosed, this);
        using var lease = new DescriptorLease(directory);
        var flags = FAN_MARK_ADD | FAN_MARK_IGNORE | FAN_MARK_IGNORED_SURV_MODIFY;
        if (Interop.FanotifyMark(descriptor, flags, (ulong)(mask | FanotifyMask.EventOnChild), lease.Fd, null) == 0)
        {
            errno = 0;
            return IgnoreMarkResult.Placed;
        }

        errno = Marshal.GetLastPInvokeError();
        return errno == Interop.Errors.EINVAL ? IgnoreMarkResult.Unsupported : IgnoreMarkResult.Refused;
    }

    /// <summary>Removes every mark on a directory or file (FAN_MARK_FLUSH); filesystem marks stay.</summary>
    /// <exception cref="IOException">The kernel refused; HResult is the errno.</exception>
    public unsafe void RemoveInodeMarks()
    {
        ObjectDisposedException.ThrowIf(descriptor.IsClosed, this);
        if (Interop.FanotifyMark(descriptor, FAN_MARK_FLUSH, 0, Interop.At.FDCWD, null) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new IOException($"fanotify_mark(FAN_MARK_FLUSH) of the directory marks: {FileSystemErrors.Describe(errno)}", errno);
        }
    }

    /// <summary>
    /// Reads as many whole events as fit; 0 when none are queued. The buffer must hold at least one event
    /// (a few hundred bytes; use 64 KiB or more to read in batches).
    /// </summary>
    /// <exception cref="IOException">read(2) failed; HResult is the errno.</exception>
    public unsafe int Read(Span<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(descriptor.IsClosed, this);
        fixed (byte* p = buffer)
        {
            while (true)
            {
                var count = Interop.Read(descriptor, p, (nuint)buffer.Length);
                if (count >= 0)
                {
                    return (int)count;
                }

                var errno = Marshal.GetLastPInvokeError();
                switch (errno)
                {
                    case ErrnoValues.EAGAIN:
                        return 0;
                    case Interop.Errors.EINTR:
                        continue;
                    case Interop.Errors.EINVAL:
                        throw new IOException($"read of fanotify group: the {buffer.Length}-byte buffer is too small for the next event (EINVAL)", errno);
                    default:
                        throw new IOException($"read of fanotify group: {FileSystemErrors.Describe(errno)}", errno);
                }
            }
        }
    }

    /// <summary>Waits until events are queued; false when the timeout (milliseconds, -1 for none) passed first.</summary>
    public bool WaitReadable(int timeoutMs)
    {
        ObjectDisposedException.ThrowIf(descriptor.IsClosed, this);
        return PollOne(descriptor, Interop.POLLIN, timeoutMs) != 0;
    }

    /// <summary>
    /// The devices of the filesystems this group currently holds marks on, from the "fanotify sdev:" lines of
    /// /proc/self/fdinfo. The kernel drops a filesystem mark silently when the filesystem is unmounted, so a
    /// device missing here means events were lost. The values are converted from the kernel's internal
    /// dev_t to the st_dev encoding, so they compare with <see cref="FilesystemIdentity.Device"/> and
    /// <see cref="MountEntry.Device"/>.
    /// </summary>
    public IReadOnlyList<ulong> MarkedDevices()
    {
        ObjectDisposedException.ThrowIf(descriptor.IsClosed, this);
        const string Prefix = "fanotify sdev:";
        var devices = new List<ulong>();
        string[] lines;
        using (var lease = new DescriptorLease(descriptor))
        {
            lines = File.ReadAllLines($"/proc/self/fdinfo/{lease.Fd}");
        }

        foreach (var line in lines)
        {
            if (!line.StartsWith(Prefix, StringComparison.Ordinal))
            {
                continue;
            }

            var value = line.AsSpan(Prefix.Length);
            var end = value.IndexOf(' ');
            var kernelDevice = ulong.Parse(end < 0 ? value : value[..end], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);

            // The kernel's dev_t: 12-bit major above a 20-bit minor (MINORBITS, linux/kdev_t.h).
            devices.Add(DeviceNumber.Make((uint)(kernelDevice >> 20), (uint)(kernelDevice & 0xfffff)));
        }

        return devices;
    }

    public void Dispose() => descriptor.Dispose();

    /// <summary>poll(2) for one descriptor, retried after signals; the returned events, 0 on timeout.</summary>
    internal static unsafe short PollOne(SafeFileHandle handle, short events, int timeoutMs)
    {
        using var lease = new DescriptorLease(handle);
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var poll = new Interop.PollFd { Fd = lease.Fd, Events = events };
            var remaining = timeoutMs < 0 ? -1 : (int)Math.Max(0, timeoutMs - clock.ElapsedMilliseconds);
            var ready = Interop.Poll(&poll, 1, remaining);
            if (ready > 0)
            {
                return poll.ReturnedEvents;
            }

            if (ready == 0)
            {
                return 0;
            }

            var errno = Marshal.GetLastPInvokeError();
            if (errno != Interop.Errors.EINTR)
            {
                throw new IOException($"poll: {FileSystemErrors.Describe(errno)}", errno);
            }
        }
    }

    internal SafeFileHandle Descriptor => descriptor;

    /// <summary>O_LARGEFILE for the event descriptors (64-bit kernels force it anyway); ARM uses another value.</summary>
    private static int LargeFile =>
        RuntimeInformation.ProcessArchitecture is Architecture.Arm64 or Architecture.Arm ? 0x20000 : 0x8000;
}

/// <summary>Outcome of <see cref="FanotifyGroup.TryIgnore"/>.</summary>
public enum IgnoreMarkResult
{
    Placed,

    /// <summary>The kernel has no FAN_MARK_IGNORE (before Linux 6.0).</summary>
    Unsupported,

    /// <summary>Refused for this directory (too many marks, no memory).</summary>
    Refused,
}
