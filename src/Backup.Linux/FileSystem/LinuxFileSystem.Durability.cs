using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Backup.Linux.FileSystem;

/// <summary>
/// fsync(2) with its result checked. The runtime's own FileStream.Flush(true) and RandomAccess.FlushToDisk
/// return normally when fsync fails with EIO, which would let a write that never reached the disk count as durable.
/// </summary>
public sealed partial class LinuxFileSystem
{
    /// <summary>Flushes a file's data and metadata to the device; throws when the kernel reports a failure.</summary>
    /// <param name="path">The file's path for the error message; the kernel's name for the descriptor when omitted.</param>
    public static void Fsync(SafeFileHandle handle, string? path = null)
    {
        ArgumentNullException.ThrowIfNull(handle);
        while (Interop.Fsync(handle) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno != Interop.Errors.EINTR)
            {
                throw FileSystemErrors.Create("fsync", path ?? DescribeHandle(handle), errno);
            }
        }
    }

    /// <summary>Flushes a directory, making the names created or removed in it durable.</summary>
    public static void FsyncDirectory(string path)
    {
        // The last component may be a symlink here: flushing the directory it names is what the caller wants.
        var fd = OpenDescriptor(path, Interop.OpenFlags.O_RDONLY | Interop.OpenFlags.O_DIRECTORY | Interop.OpenFlags.O_CLOEXEC, 0);
        try
        {
            while (Interop.Fsync(fd) != 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                if (errno != Interop.Errors.EINTR)
                {
                    throw FileSystemErrors.Create("fsync", path, errno);
                }
            }
        }
        finally
        {
            Interop.Close(fd);
        }
    }
}
