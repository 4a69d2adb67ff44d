using System.Runtime.InteropServices;
using Backup.Core.FileSystem;
using Microsoft.Win32.SafeHandles;

namespace Backup.IntegrationTests.Journal;

/// <summary>
/// The few calls <see cref="Workload"/> needs that neither .NET nor LinuxFileSystem offers for paths
/// holding non-UTF-8 bytes: open for writing, rename, rmdir and lremovexattr. Paths go to the kernel
/// as their <see cref="PathEncoding"/> bytes; failures throw <see cref="FileSystemException"/>.
/// </summary>
internal static partial class WorkloadSyscalls
{
    internal const int EXDEV = 18;

    private const int O_RDWR = 2;
    private const int O_CLOEXEC = 0x80000;

    // asm-generic/fcntl.h; ARM and PowerPC give O_NOFOLLOW another value.
    private static readonly int O_NOFOLLOW =
        RuntimeInformation.ProcessArchitecture is Architecture.Arm or Architecture.Arm64 or Architecture.Armv6 or Architecture.Ppc64le ? 0x8000 : 0x20000;

    /// <summary>Opens an existing regular file for reading and writing, never through a symlink.</summary>
    internal static unsafe SafeFileHandle OpenReadWrite(string path)
    {
        fixed (byte* p = Native(path))
        {
            var fd = Open(p, O_RDWR | O_CLOEXEC | O_NOFOLLOW, 0);
            if (fd < 0)
            {
                throw Error("open", path);
            }

            return new SafeFileHandle(fd, ownsHandle: true);
        }
    }

    internal static unsafe void Rename(string from, string to)
    {
        fixed (byte* f = Native(from))
        fixed (byte* t = Native(to))
        {
            if (RenameNative(f, t) != 0)
            {
                throw Error("rename", from, $"to {FileSystemException.Quote(to)}");
            }
        }
    }

    internal static unsafe void RemoveDirectory(string path)
    {
        fixed (byte* p = Native(path))
        {
            if (Rmdir(p) != 0)
            {
                throw Error("rmdir", path);
            }
        }
    }

    internal static unsafe void RemoveExtendedAttribute(string path, string name)
    {
        fixed (byte* p = Native(path))
        fixed (byte* n = Native(name))
        {
            if (Lremovexattr(p, n) != 0)
            {
                throw Error("lremovexattr", path, $"attribute {name}");
            }
        }
    }

    /// <summary>open(2).</summary>
    [LibraryImport("libc", EntryPoint = "open", SetLastError = true)]
    private static unsafe partial int Open(byte* path, int flags, uint mode);

    /// <summary>rename(2).</summary>
    [LibraryImport("libc", EntryPoint = "rename", SetLastError = true)]
    private static unsafe partial int RenameNative(byte* oldPath, byte* newPath);

    /// <summary>rmdir(2).</summary>
    [LibraryImport("libc", EntryPoint = "rmdir", SetLastError = true)]
    private static unsafe partial int Rmdir(byte* path);

    /// <summary>lremovexattr(2): removes an attribute of the path itself, not of a symlink's target.</summary>
    [LibraryImport("libc", EntryPoint = "lremovexattr", SetLastError = true)]
    private static unsafe partial int Lremovexattr(byte* path, byte* name);

    private static byte[] Native(string path) => [.. PathEncoding.Encode(path), 0];

    private static FileSystemException Error(string operation, string path, string? detail = null)
    {
        var errno = Marshal.GetLastPInvokeError();
        var description = Marshal.GetPInvokeErrorMessage(errno);
        return new FileSystemException(operation, path, errno, detail is null ? description : $"{description} ({detail})");
    }
}
