using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Backup.Core.Backends.Local;

/// <summary>
/// fsync(2) called directly and checked. The runtime's FileStream.Flush(true) returns normally when
/// fsync fails with EIO, which would report data as durable when it is not.
/// </summary>
public static class DurableFile
{
    public static void Fsync(SafeFileHandle handle, string pathForMessages)
    {
        var added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            if (Interop.Libc.Fsync(handle.DangerousGetHandle()) != 0)
            {
                throw Failure("fsync", pathForMessages);
            }
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    public static void FsyncDirectory(string path)
    {
        var fd = Interop.Libc.Open(path, Interop.Libc.O_RDONLY | Interop.Libc.O_DIRECTORY | Interop.Libc.O_CLOEXEC, 0);
        if (fd < 0)
        {
            throw Failure("open directory", path);
        }

        try
        {
            if (Interop.Libc.Fsync(fd) != 0)
            {
                throw Failure("fsync directory", path);
            }
        }
        finally
        {
            Interop.Libc.Close(fd);
        }
    }

    private static IOException Failure(string operation, string path)
    {
        var errno = Marshal.GetLastPInvokeError();
        return new IOException($"{operation} {path}: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno}); the data may not be on disk", errno);
    }
}
