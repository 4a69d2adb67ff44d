using Backup.Core.FileSystem;
using Microsoft.Win32.SafeHandles;

namespace Backup.Linux.FileSystem;

/// <summary>The calls the restorer uses to recreate files and their metadata.</summary>
public sealed partial class LinuxFileSystem
{
    private const uint PermissionBits = 0xFFF; // 07777: rwx for all, set-id and sticky

    /// <remarks>The process umask still applies; <see cref="SetPermissions"/> sets the exact bits.</remarks>
    public unsafe void CreateDirectory(string path, uint permissions)
    {
        Span<byte> scratch = stackalloc byte[NativePath.StackSize];
        using var native = new NativePath(path, scratch, "mkdir");
        fixed (byte* p = native)
        {
            Check(Interop.Mkdir(p, permissions & PermissionBits), "mkdir", path);
        }
    }

    /// <remarks>The process umask still applies; <see cref="SetPermissions"/> sets the exact bits.</remarks>
    public SafeFileHandle CreateFile(string path, uint permissions)
    {
        const int flags = Interop.OpenFlags.O_WRONLY | Interop.OpenFlags.O_CREAT | Interop.OpenFlags.O_EXCL | Interop.OpenFlags.O_CLOEXEC;
        var fd = OpenDescriptor(path, flags | Interop.OpenFlags.O_NOFOLLOW, permissions & PermissionBits);
        return new SafeFileHandle(fd, ownsHandle: true);
    }

    public unsafe void CreateSymlink(string target, string path)
    {
        Span<byte> targetScratch = stackalloc byte[NativePath.StackSize];
        Span<byte> pathScratch = stackalloc byte[NativePath.StackSize];
        using var nativeTarget = new NativePath(target, targetScratch, "symlink");
        using var nativePath = new NativePath(path, pathScratch, "symlink");
        fixed (byte* t = nativeTarget)
        fixed (byte* p = nativePath)
        {
            Check(Interop.Symlink(t, p), "symlink", path);
        }
    }

    public unsafe void CreateHardLink(string existingPath, string newPath)
    {
        Span<byte> existingScratch = stackalloc byte[NativePath.StackSize];
        Span<byte> newScratch = stackalloc byte[NativePath.StackSize];
        using var nativeExisting = new NativePath(existingPath, existingScratch, "linkat");
        using var nativeNew = new NativePath(newPath, newScratch, "linkat");
        fixed (byte* e = nativeExisting)
        fixed (byte* n = nativeNew)
        {
            if (Interop.Linkat(Interop.At.FDCWD, e, Interop.At.FDCWD, n, 0) != 0)
            {
                throw FileSystemErrors.LastError("linkat", newPath, $"new link to {FileSystemException.Quote(existingPath)}");
            }
        }
    }

    public unsafe void CreateSpecial(string path, FileKind kind, uint permissions, ulong rdev)
    {
        var type = kind switch
        {
            FileKind.BlockDevice => Interop.S_IFBLK,
            FileKind.CharDevice => Interop.S_IFCHR,
            FileKind.Fifo => Interop.S_IFIFO,
            FileKind.Socket => Interop.S_IFSOCK,
            _ => throw new ArgumentException($"mknod cannot create a {kind}", nameof(kind)),
        };

        Span<byte> scratch = stackalloc byte[NativePath.StackSize];
        using var native = new NativePath(path, scratch, "mknod");
        fixed (byte* p = native)
        {
            Check(Interop.Mknod(p, type | (permissions & PermissionBits), rdev), "mknod", path);
        }
    }

    public unsafe void Unlink(string path)
    {
        Span<byte> scratch = stackalloc byte[NativePath.StackSize];
        using var native = new NativePath(path, scratch, "unlink");
        fixed (byte* p = native)
        {
            if (Interop.Unlink(p) != 0)
            {
                var error = FileSystemErrors.LastError("unlink", path);
                if (error.Errno != Interop.Errors.ENOENT)
                {
                    throw error;
                }
            }
        }
    }

    public unsafe void SetOwner(string path, uint uid, uint gid)
    {
        Span<byte> scratch = stackalloc byte[NativePath.StackSize];
        using var native = new NativePath(path, scratch, "lchown");
        fixed (byte* p = native)
        {
            Check(Interop.Lchown(p, uid, gid), "lchown", path);
        }
    }

    public unsafe void SetPermissions(string path, uint permissions)
    {
        Span<byte> scratch = stackalloc byte[NativePath.StackSize];
        using var native = new NativePath(path, scratch, "chmod");
        fixed (byte* p = native)
        {
            Check(Interop.Chmod(p, permissions & PermissionBits), "chmod", path);
        }
    }

    public unsafe void SetTimes(string path, Timespec atime, Timespec mtime)
    {
        var times = stackalloc Interop.TimeSpec[2];
        times[0] = new Interop.TimeSpec { Seconds = atime.Seconds, Nanoseconds = atime.Nanoseconds };
        times[1] = new Interop.TimeSpec { Seconds = mtime.Seconds, Nanoseconds = mtime.Nanoseconds };
        Span<byte> scratch = stackalloc byte[NativePath.StackSize];
        using var native = new NativePath(path, scratch, "utimensat");
        fixed (byte* p = native)
        {
            Check(Interop.Utimensat(Interop.At.FDCWD, p, times, Interop.At.SYMLINK_NOFOLLOW), "utimensat", path);
        }
    }

    public unsafe void SetExtendedAttribute(string path, string name, byte[] value)
    {
        ArgumentNullException.ThrowIfNull(value);
        Span<byte> scratch = stackalloc byte[NativePath.StackSize];
        Span<byte> nameScratch = stackalloc byte[NativePath.StackSize];
        using var native = new NativePath(path, scratch, "lsetxattr");
        using var nativeName = new NativePath(name, nameScratch, "lsetxattr");
        fixed (byte* p = native)
        fixed (byte* n = nativeName)
        fixed (byte* v = value)
        {
            if (Interop.Lsetxattr(p, n, v, (nuint)value.Length, 0) != 0)
            {
                throw FileSystemErrors.LastError("lsetxattr", path, $"attribute {name}");
            }
        }
    }

    private static void Check(int result, string operation, string path)
    {
        if (result != 0)
        {
            throw FileSystemErrors.LastError(operation, path);
        }
    }
}
