using System.Runtime.InteropServices;
using Backup.Linux.FileSystem;

namespace Backup.Linux.Btrfs;

/// <summary>
/// What btrfs itself knows about changes: subvolumes and their generations, and the inodes each
/// subvolume rewrote after a generation. This lets the change journal bridge a gap in its fanotify
/// events (a daemon restart) without walking the whole tree. Every call except <see cref="IsBtrfs"/>
/// and <see cref="GetSubvolumeInfo"/> needs CAP_SYS_ADMIN.
/// </summary>
public static partial class BtrfsFilesystem
{
    private const int BusyAttempts = 20;

    private static readonly TimeSpan BusyPause = TimeSpan.FromMilliseconds(50);

    /// <summary>Whether the path lies on a btrfs filesystem (statfs f_type BTRFS_SUPER_MAGIC).</summary>
    public static unsafe bool IsBtrfs(string path)
    {
        Span<byte> scratch = stackalloc byte[NativePath.StackSize];
        using var native = new NativePath(path, scratch, "statfs");
        Interop.StatfsBuffer buffer;
        fixed (byte* p = native)
        {
            while (Interop.Statfs(p, &buffer) != 0)
            {
                if (Marshal.GetLastPInvokeError() != Interop.Errors.EINTR)
                {
                    throw FileSystemErrors.LastError("statfs", path);
                }
            }
        }

        return buffer.Type == BtrfsIoctl.SuperMagic;
    }

    /// <summary>
    /// Commits the running transaction of the filesystem holding the path. A generation read afterwards
    /// covers every change made before this call; later changes get a higher transid.
    /// </summary>
    public static unsafe void Sync(string path)
    {
        var fd = Open(path);
        try
        {
            Ioctl(fd, BtrfsIoctl.Sync, null, "ioctl BTRFS_IOC_SYNC", path);
        }
        finally
        {
            Interop.Close(fd);
        }
    }

    /// <summary>
    /// Mounts the top-level subvolume (id 5) of the btrfs filesystem on the device at target, creating
    /// target (mode 0700) when missing. A filesystem mark of fanotify must lie on this subvolume, which
    /// distributions that mount only subvolumes (/ = @) do not otherwise show.
    /// </summary>
    /// <returns>The target.</returns>
    public static unsafe string MountTopLevel(string device, string target)
    {
        if (!Directory.Exists(target))
        {
            Directory.CreateDirectory(target, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        Span<byte> sourceScratch = stackalloc byte[NativePath.StackSize];
        Span<byte> targetScratch = stackalloc byte[NativePath.StackSize];
        using var nativeSource = new NativePath(device, sourceScratch, "mount");
        using var nativeTarget = new NativePath(target, targetScratch, "mount");
        const nuint flags = Interop.MountFlags.MS_NOSUID | Interop.MountFlags.MS_NODEV | Interop.MountFlags.MS_NOEXEC;
        fixed (byte* source = nativeSource)
        fixed (byte* p = nativeTarget)
        fixed (byte* type = "btrfs\0"u8)
        fixed (byte* options = "subvolid=5\0"u8)
        {
            if (Interop.Mount(source, p, type, flags, options) != 0)
            {
                throw BtrfsException.LastError("mount", target, $"btrfs subvolid=5 from {device}");
            }
        }

        return target;
    }

    /// <summary>
    /// Unmounts what <see cref="MountTopLevel"/> mounted (umount2 without flags, so a busy mount stays). EBUSY is
    /// tried again for up to a second: a child process another thread has just forked holds copies of this
    /// process's descriptors, including files on the mount, until it executes its program.
    /// </summary>
    public static unsafe void Unmount(string target)
    {
        Span<byte> scratch = stackalloc byte[NativePath.StackSize];
        using var native = new NativePath(target, scratch, "umount2");
        fixed (byte* p = native)
        {
            for (var attempt = 1; Interop.Umount2(p, 0) != 0; attempt++)
            {
                var error = BtrfsException.LastError("umount2", target);
                if (error.Errno != Interop.Errors.EBUSY || attempt == BusyAttempts)
                {
                    throw error;
                }

                Thread.Sleep(BusyPause);
            }
        }
    }

    /// <summary>A read-only descriptor for ioctls; the last component may be a symlink, as for any path a user configures.</summary>
    private static unsafe int Open(string path)
    {
        Span<byte> scratch = stackalloc byte[NativePath.StackSize];
        using var native = new NativePath(path, scratch, "open");
        fixed (byte* p = native)
        {
            while (true)
            {
                var fd = Interop.Open(p, Interop.OpenFlags.O_RDONLY | Interop.OpenFlags.O_CLOEXEC | Interop.OpenFlags.O_NONBLOCK, 0);
                if (fd >= 0)
                {
                    return fd;
                }

                if (Marshal.GetLastPInvokeError() != Interop.Errors.EINTR)
                {
                    throw FileSystemErrors.LastError("open", path);
                }
            }
        }
    }

    /// <summary>Any result but -1 is success: GET_SUBVOL_INFO returns 1 for every subvolume but the top level.</summary>
    private static unsafe void Ioctl(int fd, nuint request, void* argument, string operation, string path, string? context = null)
    {
        while (Interop.Ioctl(fd, request, argument) < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno != Interop.Errors.EINTR)
            {
                throw new BtrfsException(operation, path, errno, context);
            }
        }
    }
}
