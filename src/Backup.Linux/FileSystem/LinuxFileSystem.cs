using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Backup.Core.FileSystem;
using Microsoft.Win32.SafeHandles;

namespace Backup.Linux.FileSystem;

/// <summary>
/// <see cref="IFileSystem"/> on the Linux kernel through the C library. Paths go to the kernel as their
/// <see cref="PathEncoding"/> bytes, names come back decoded the same way, and nothing follows a symlink
/// in the last component. Thread-safe: the only state is the account-name cache.
/// </summary>
[SkipLocalsInit]
public sealed partial class LinuxFileSystem : IFileSystem
{
    // Large enough that a typical directory is read in one getdents64 call.
    private const int DirectoryBufferSize = 64 * 1024;

    private readonly AccountDatabase accounts = new();

    public FileStatus LStat(string path) => LStatAt(null, path, path);

    /// <summary>lstat(2) of <paramref name="name"/> relative to <paramref name="directory"/> (the working directory if null).</summary>
    private static unsafe FileStatus LStatAt(SafeFileHandle? directory, string name, string path)
    {
        Span<byte> scratch = stackalloc byte[NativePath.StackSize];
        using var native = new NativePath(name, scratch, "statx");
        Interop.StatxBuffer buffer;
        fixed (byte* p = native)
        {
            // lstat(2) never triggers an automount; statx(2) does unless asked not to.
            const int Flags = Interop.At.SYMLINK_NOFOLLOW | Interop.At.NO_AUTOMOUNT;
            var result = directory is null
                ? Interop.Statx(Interop.At.FDCWD, p, Flags, Interop.STATX_BASIC_STATS, &buffer)
                : Interop.Statx(directory, p, Flags, Interop.STATX_BASIC_STATS, &buffer);
            if (result != 0)
            {
                throw FileSystemErrors.LastError("statx", path);
            }
        }

        return ToFileStatus(in buffer, path, null);
    }

    public unsafe FileStatus Stat(SafeFileHandle handle)
    {
        ArgumentNullException.ThrowIfNull(handle);
        Interop.StatxBuffer buffer;
        fixed (byte* empty = "\0"u8)
        {
            if (Interop.Statx(handle, empty, Interop.At.EMPTY_PATH, Interop.STATX_BASIC_STATS, &buffer) != 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                throw FileSystemErrors.Create("statx", DescribeHandle(handle), errno);
            }
        }

        return ToFileStatus(in buffer, null, handle);
    }

    public IReadOnlyList<string> ReadDirectory(string path)
    {
        using var listing = OpenDirectory(path);
        return listing.Names;
    }

    public IDirectoryListing OpenDirectory(string path)
    {
        // The handle owns the descriptor from here on: closing it any other way would close it twice.
        var fd = OpenDescriptor(path, Interop.OpenFlags.O_RDONLY | Interop.OpenFlags.O_DIRECTORY | Interop.OpenFlags.O_NOFOLLOW | Interop.OpenFlags.O_CLOEXEC, 0);
        var directory = new SafeFileHandle(fd, ownsHandle: true);
        try
        {
            return new DirectoryListing(directory, ReadNames((int)directory.DangerousGetHandle(), path));
        }
        catch
        {
            directory.Dispose();
            throw;
        }
    }

    /// <summary>Every name in the open directory <paramref name="fd"/> (getdents64 until it returns nothing).</summary>
    private static unsafe List<string> ReadNames(int fd, string path)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(DirectoryBufferSize);
        try
        {
            var names = new List<string>();
            fixed (byte* b = buffer)
            {
                while (true)
                {
                    var filled = Interop.Getdents64(fd, b, (nuint)buffer.Length);
                    if (filled == 0)
                    {
                        break;
                    }

                    if (filled < 0)
                    {
                        var errno = Marshal.GetLastPInvokeError();
                        if (errno == Interop.Errors.EINTR)
                        {
                            continue;
                        }

                        throw FileSystemErrors.Create("getdents64", path, errno);
                    }

                    AddNames(new ReadOnlySpan<byte>(b, (int)filled), names);
                }
            }

            return names;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>An open directory whose entries are stat'ed with statx relative to it.</summary>
    private sealed class DirectoryListing(SafeFileHandle directory, IReadOnlyList<string> names) : IDirectoryListing
    {
        public IReadOnlyList<string> Names => names;

        public FileStatus LStat(string name, string path) => LStatAt(directory, name, path);

        public void Dispose() => directory.Dispose();
    }

    public unsafe string ReadLink(string path)
    {
        Span<byte> scratch = stackalloc byte[NativePath.StackSize];
        using var native = new NativePath(path, scratch, "readlink");
        fixed (byte* p = native)
        {
            // A symlink's target may change between calls, so only a result shorter than the buffer is whole.
            for (var size = 256; ; size *= 2)
            {
                var buffer = ArrayPool<byte>.Shared.Rent(size);
                try
                {
                    nint length;
                    fixed (byte* b = buffer)
                    {
                        length = Interop.Readlink(p, b, (nuint)buffer.Length);
                    }

                    if (length < 0)
                    {
                        throw FileSystemErrors.LastError("readlink", path);
                    }

                    if (length < buffer.Length)
                    {
                        return PathEncoding.Decode(buffer.AsSpan(0, (int)length));
                    }
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                }
            }
        }
    }

    public unsafe IReadOnlyList<ExtendedAttribute> ReadExtendedAttributes(string path)
    {
        Span<byte> scratch = stackalloc byte[NativePath.StackSize];
        using var native = new NativePath(path, scratch, "llistxattr");
        fixed (byte* p = native)
        {
            var list = ListAttributeNames(p, path);
            if (list.Length == 0)
            {
                return [];
            }

            var attributes = new List<ExtendedAttribute>();
            fixed (byte* l = list)
            {
                var start = 0;
                while (start < list.Length)
                {
                    var end = Array.IndexOf(list, (byte)0, start);
                    if (end < 0)
                    {
                        end = list.Length;
                    }

                    if (end > start)
                    {
                        var value = ReadAttributeValue(p, l + start, path);
                        if (value is not null)
                        {
                            attributes.Add(new ExtendedAttribute(PathEncoding.Decode(list.AsSpan(start, end - start)), value));
                        }
                    }

                    start = end + 1;
                }
            }

            return attributes;
        }
    }

    public unsafe SafeFileHandle OpenRead(string path)
    {
        // O_NONBLOCK keeps a file swapped for a FIFO after the scan from blocking the open forever;
        // it is cleared again below so that reads of regular files behave as usual.
        const int baseFlags = Interop.OpenFlags.O_RDONLY | Interop.OpenFlags.O_CLOEXEC | Interop.OpenFlags.O_NONBLOCK;
        var flags = baseFlags | Interop.OpenFlags.O_NOFOLLOW;
        Span<byte> scratch = stackalloc byte[NativePath.StackSize];
        using var native = new NativePath(path, scratch, "open");
        fixed (byte* p = native)
        {
            var noAtime = true;
            var fd = OpenRetryingInterrupts(p, flags | Interop.OpenFlags.O_NOATIME, 0);
            if (fd < 0 && Marshal.GetLastPInvokeError() == Interop.Errors.EPERM)
            {
                // O_NOATIME needs ownership of the file or CAP_FOWNER.
                noAtime = false;
                fd = OpenRetryingInterrupts(p, flags, 0);
            }

            if (fd < 0)
            {
                throw FileSystemErrors.LastError("open", path);
            }

            if (Interop.Fcntl(fd, Interop.F_SETFL, noAtime ? Interop.OpenFlags.O_NOATIME : 0) != 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                Interop.Close(fd);
                throw FileSystemErrors.Create("fcntl", path, errno);
            }

            return new SafeFileHandle(fd, ownsHandle: true);
        }
    }

    public string? UserName(uint uid) => accounts.UserName(uid);

    public string? GroupName(uint gid) => accounts.GroupName(gid);

    public uint? UserId(string name) => accounts.UserId(name);

    public uint? GroupId(string name) => accounts.GroupId(name);

    private static void AddNames(ReadOnlySpan<byte> records, List<string> names)
    {
        while (!records.IsEmpty)
        {
            var recordLength = MemoryMarshal.Read<ushort>(records[Interop.Dirent64.RecordLengthOffset..]);
            var nameField = records[Interop.Dirent64.NameOffset..recordLength];
            var nameLength = nameField.IndexOf((byte)0);
            var name = nameLength < 0 ? nameField : nameField[..nameLength];
            if (!IsDotOrDotDot(name))
            {
                names.Add(PathEncoding.Decode(name));
            }

            records = records[recordLength..];
        }
    }

    private static bool IsDotOrDotDot(ReadOnlySpan<byte> name) =>
        name.Length <= 2 && name.Length > 0 && name[0] == (byte)'.' && (name.Length == 1 || name[1] == (byte)'.');

    private static unsafe byte[] ListAttributeNames(byte* path, string displayPath)
    {
        while (true)
        {
            var size = Interop.Llistxattr(path, null, 0);
            if (size < 0)
            {
                return NoAttributesOrThrow("llistxattr", displayPath);
            }

            if (size == 0)
            {
                return [];
            }

            var list = new byte[size];
            nint length;
            fixed (byte* l = list)
            {
                length = Interop.Llistxattr(path, l, (nuint)list.Length);
            }

            if (length >= 0)
            {
                return length == list.Length ? list : list[..(int)length];
            }

            // ERANGE: an attribute was added between the two calls; ask for the size again.
            if (Marshal.GetLastPInvokeError() != Interop.Errors.ERANGE)
            {
                return NoAttributesOrThrow("llistxattr", displayPath);
            }
        }
    }

    /// <summary>The value, or null when the attribute vanished after it was listed.</summary>
    private static unsafe byte[]? ReadAttributeValue(byte* path, byte* name, string displayPath)
    {
        while (true)
        {
            var size = Interop.Lgetxattr(path, name, null, 0);
            if (size < 0)
            {
                return Marshal.GetLastPInvokeError() == Interop.Errors.ENODATA ? null : throw AttributeError(name, displayPath);
            }

            if (size == 0)
            {
                return [];
            }

            var value = new byte[size];
            nint length;
            fixed (byte* v = value)
            {
                length = Interop.Lgetxattr(path, name, v, (nuint)value.Length);
            }

            if (length >= 0)
            {
                return length == value.Length ? value : value[..(int)length];
            }

            var errno = Marshal.GetLastPInvokeError();
            if (errno == Interop.Errors.ENODATA)
            {
                return null;
            }

            if (errno != Interop.Errors.ERANGE)
            {
                throw AttributeError(name, displayPath);
            }
        }
    }

    private static unsafe FileSystemException AttributeError(byte* name, string path)
    {
        var errno = Marshal.GetLastPInvokeError();
        var attribute = PathEncoding.Decode(MemoryMarshal.CreateReadOnlySpanFromNullTerminated(name));
        return FileSystemErrors.Create("lgetxattr", path, errno, $"attribute {attribute}");
    }

    /// <summary>A filesystem without extended attributes simply has none.</summary>
    private static byte[] NoAttributesOrThrow(string operation, string path)
    {
        var errno = Marshal.GetLastPInvokeError();
        return errno == Interop.Errors.EOPNOTSUPP ? [] : throw FileSystemErrors.Create(operation, path, errno);
    }

    /// <summary>Converts statx(2) output; path or handle only name the file if its type is unknown.</summary>
    private static FileStatus ToFileStatus(in Interop.StatxBuffer buffer, string? path, SafeFileHandle? handle)
    {
        var kind = (buffer.Mode & Interop.S_IFMT) switch
        {
            Interop.S_IFREG => FileKind.Regular,
            Interop.S_IFDIR => FileKind.Directory,
            Interop.S_IFLNK => FileKind.Symlink,
            Interop.S_IFBLK => FileKind.BlockDevice,
            Interop.S_IFCHR => FileKind.CharDevice,
            Interop.S_IFIFO => FileKind.Fifo,
            Interop.S_IFSOCK => FileKind.Socket,
            var other => throw new FileSystemException("statx", path ?? DescribeHandle(handle!), Interop.Errors.EINVAL, $"unknown file type {other:x} in st_mode"),
        };

        return new FileStatus(
            kind,
            buffer.Mode,
            buffer.Uid,
            buffer.Gid,
            (long)buffer.Size,
            buffer.Inode,
            DeviceNumber.Make(buffer.DevMajor, buffer.DevMinor),
            buffer.Links,
            DeviceNumber.Make(buffer.RDevMajor, buffer.RDevMinor),
            new Timespec(buffer.Atime.Seconds, buffer.Atime.Nanoseconds),
            new Timespec(buffer.Mtime.Seconds, buffer.Mtime.Nanoseconds),
            new Timespec(buffer.Ctime.Seconds, buffer.Ctime.Nanoseconds),
            (long)buffer.Blocks * 512);
    }

    /// <summary>open(2) by path, returning the raw descriptor or throwing with the path.</summary>
    private static unsafe int OpenDescriptor(string path, int flags, uint mode)
    {
        Span<byte> scratch = stackalloc byte[NativePath.StackSize];
        using var native = new NativePath(path, scratch, "open");
        fixed (byte* p = native)
        {
            var fd = OpenRetryingInterrupts(p, flags, mode);
            return fd >= 0 ? fd : throw FileSystemErrors.LastError("open", path);
        }
    }

    private static unsafe int OpenRetryingInterrupts(byte* path, int flags, uint mode)
    {
        while (true)
        {
            var fd = Interop.Open(path, flags, mode);
            if (fd >= 0 || Marshal.GetLastPInvokeError() != Interop.Errors.EINTR)
            {
                return fd;
            }
        }
    }

    /// <summary>A name for an open descriptor in error messages: the path the kernel knows it by, if any.</summary>
    private static unsafe string DescribeHandle(SafeFileHandle handle)
    {
        var fd = handle.IsInvalid || handle.IsClosed ? -1 : (int)handle.DangerousGetHandle();
        if (fd < 0)
        {
            return "(closed file descriptor)";
        }

        var link = $"/proc/self/fd/{fd}";
        Span<byte> target = stackalloc byte[4096];
        fixed (byte* l = System.Text.Encoding.ASCII.GetBytes(link + "\0"))
        fixed (byte* t = target)
        {
            var length = Interop.Readlink(l, t, (nuint)target.Length);
            return length > 0 ? PathEncoding.Decode(target[..(int)length]) : $"(file descriptor {fd})";
        }
    }
}
