using System.Runtime.InteropServices;
using Backup.Core.FileSystem;
using Backup.Linux.FileSystem;
using Microsoft.Win32.SafeHandles;

namespace Backup.Linux.Fanotify;

/// <summary>Outcome of turning a file handle into a path.</summary>
public enum ResolutionStatus
{
    /// <summary>The object exists and has a path under the mount root.</summary>
    Ok,

    /// <summary>The object was deleted (ESTALE, or the kernel names it "... (deleted)").</summary>
    Deleted,

    /// <summary>The object exists but not below this mount's root (or its dentry is disconnected): retry through a mount of the whole filesystem.</summary>
    Unreachable,

    /// <summary>open_by_handle_at or readlink failed otherwise; <c>Errno</c> says how.</summary>
    Failed,
}

/// <summary>
/// A resolved handle. <see cref="Path"/> is absolute for <see cref="ResolutionStatus.Ok"/>; for a deleted object
/// that was still open somewhere it is the last path the kernel knew (without " (deleted)"), otherwise null.
/// </summary>
public readonly record struct HandleResolution(ResolutionStatus Status, string? Path, int Errno);

/// <summary>A resolved handle with the inode's identity, from statx of the handle-opened descriptor.</summary>
public readonly record struct InodeResolution(ResolutionStatus Status, string? Path, ulong Device, ulong Inode, uint Links, bool IsDirectory);

/// <summary>
/// Resolves file handles of one filesystem through a mount of it: open_by_handle_at(O_PATH) and readlink of
/// /proc/self/fd/N. Needs CAP_DAC_READ_SEARCH. The mount root is held open, which makes umount of a user's
/// mount fail with "target is busy": create resolvers for a batch of work and dispose them soon after.
/// </summary>
public sealed class HandleResolver : IDisposable
{
    private readonly SafeFileHandle mount;
    private readonly string givenRoot;
    private string? canonicalRoot;
    private FileHandle? rootHandle;

    public unsafe HandleResolver(string mountRoot)
    {
        ArgumentException.ThrowIfNullOrEmpty(mountRoot);
        if (mountRoot[0] != '/')
        {
            throw new ArgumentException($"the mount root must be an absolute path: \"{mountRoot}\"", nameof(mountRoot));
        }

        Span<byte> scratch = stackalloc byte[NativePath.StackSize];
        using var native = new NativePath(mountRoot, scratch, "open");
        int fd;
        fixed (byte* p = native)
        {
            fd = Interop.Open(p, Interop.OpenFlags.O_RDONLY | Interop.OpenFlags.O_DIRECTORY | Interop.OpenFlags.O_CLOEXEC, 0);
        }

        if (fd < 0)
        {
            throw FileSystemErrors.LastError("open", mountRoot, "the mount root for resolving file handles");
        }

        mount = new SafeFileHandle(fd, ownsHandle: true);
        givenRoot = mountRoot;
    }

    /// <summary>
    /// The mount root as the kernel spells it (symbolic links resolved, no trailing slash), which is what readlink
    /// gives for resolved handles. Read on first use: marking new directories opens handles but needs no path.
    /// </summary>
    public string MountRoot => canonicalRoot ??= CanonicalRoot();

    /// <summary>The current path of the object the handle names.</summary>
    public HandleResolution Resolve(FileHandle handle)
    {
        var fd = OpenHandle(handle, out var errno);
        if (fd < 0)
        {
            return new HandleResolution(errno == ErrnoValues.ESTALE ? ResolutionStatus.Deleted : ResolutionStatus.Failed, null, errno);
        }

        try
        {
            var (status, path, linkErrno) = Locate(fd, handle);
            return new HandleResolution(status, path, linkErrno);
        }
        finally
        {
            Interop.Close(fd);
        }
    }

    /// <summary>
    /// The current path plus device, inode number, link count and type. A deleted object that is still open
    /// elsewhere reports its identity with status <see cref="ResolutionStatus.Deleted"/>.
    /// </summary>
    public unsafe InodeResolution ResolveInode(FileHandle handle)
    {
        var fd = OpenHandle(handle, out var errno);
        if (fd < 0)
        {
            return new InodeResolution(errno == ErrnoValues.ESTALE ? ResolutionStatus.Deleted : ResolutionStatus.Failed, null, 0, 0, 0, false);
        }

        try
        {
            Interop.StatxBuffer status;
            byte empty = 0;
            if (Interop.Statx(fd, &empty, Interop.At.EMPTY_PATH, Interop.STATX_BASIC_STATS, &status) != 0)
            {
                return new InodeResolution(ResolutionStatus.Failed, null, 0, 0, 0, false);
            }

            var (state, path, _) = Locate(fd, handle);
            return new InodeResolution(
                state,
                path,
                DeviceNumber.Make(status.DevMajor, status.DevMinor),
                status.Inode,
                status.Links,
                (status.Mode & Interop.S_IFMT) == Interop.S_IFDIR);
        }
        finally
        {
            Interop.Close(fd);
        }
    }

    /// <summary>
    /// Opens the directory the handle names for reading (a descriptor fanotify_mark(2) accepts, which an O_PATH one
    /// is not); null with the errno when it is gone (ESTALE), not a directory (ENOTDIR) or cannot be opened.
    /// </summary>
    public SafeFileHandle? OpenDirectory(FileHandle handle, out int errno)
    {
        var fd = OpenHandle(handle, Interop.OpenFlags.O_RDONLY | Interop.OpenFlags.O_DIRECTORY | Interop.OpenFlags.O_CLOEXEC, out errno);
        return fd < 0 ? null : new SafeFileHandle(fd, ownsHandle: true);
    }

    public void Dispose() => mount.Dispose();

    private string CanonicalRoot()
    {
        using var lease = new DescriptorLease(mount);
        var canonical = SymbolicLink.ReadBytes($"/proc/self/fd/{lease.Fd}", out _);
        return canonical is null ? Path.TrimEndingDirectorySeparator(givenRoot) : PathEncoding.Decode(canonical);
    }

    /// <summary>open_by_handle_at(mount, handle, O_PATH|O_CLOEXEC): a descriptor that reads no data and is closed at once.</summary>
    private int OpenHandle(FileHandle handle, out int errno) => OpenHandle(handle, Interop.O_PATH | Interop.OpenFlags.O_CLOEXEC, out errno);

    private unsafe int OpenHandle(FileHandle handle, int flags, out int errno)
    {
        ObjectDisposedException.ThrowIf(mount.IsClosed, this);
        ArgumentNullException.ThrowIfNull(handle);
        var bytes = handle.Bytes.Span;
        if (bytes.Length > Interop.MaxHandleSize)
        {
            errno = Interop.Errors.EINVAL;
            return -1;
        }

        var buffer = stackalloc byte[Interop.FileHandleHeaderSize + Interop.MaxHandleSize];
        *(uint*)buffer = (uint)bytes.Length;
        *(int*)(buffer + 4) = handle.Type;
        bytes.CopyTo(new Span<byte>(buffer + Interop.FileHandleHeaderSize, bytes.Length));
        using var lease = new DescriptorLease(mount);
        var fd = Interop.OpenByHandleAt(lease.Fd, buffer, flags);
        errno = fd < 0 ? Marshal.GetLastPInvokeError() : 0;
        return fd;
    }

    private (ResolutionStatus Status, string? Path, int Errno) Locate(int fd, FileHandle handle)
    {
        var target = SymbolicLink.ReadBytes($"/proc/self/fd/{fd}", out var errno);
        if (target is null)
        {
            return (ResolutionStatus.Failed, null, errno);
        }

        var bytes = target.AsSpan();
        if (bytes.EndsWith(SymbolicLink.DeletedSuffix))
        {
            return (ResolutionStatus.Deleted, PathEncoding.Decode(bytes[..^SymbolicLink.DeletedSuffix.Length]), 0);
        }

        var path = PathEncoding.Decode(bytes);

        // open_by_handle_at succeeds for objects outside the mount's subtree (and for disconnected dentries);
        // readlink then says "/", which is only right for the root directory of a mount at "/".
        if (path == "/")
        {
            return MountRoot == "/" && handle.Equals(RootHandle()) ? (ResolutionStatus.Ok, path, 0) : (ResolutionStatus.Unreachable, null, 0);
        }

        return IsUnder(path, MountRoot) ? (ResolutionStatus.Ok, path, 0) : (ResolutionStatus.Unreachable, null, 0);
    }

    private FileHandle? RootHandle()
    {
        try
        {
            return rootHandle ??= FileHandle.Of(MountRoot);
        }
        catch (FileSystemException)
        {
            return null;
        }
    }

    /// <summary>Whether the path is the root or below it, comparing whole components.</summary>
    internal static bool IsUnder(string path, string root) =>
        root == "/"
            ? path.StartsWith('/')
            : path.StartsWith(root, StringComparison.Ordinal) && (path.Length == root.Length || path[root.Length] == '/');
}
