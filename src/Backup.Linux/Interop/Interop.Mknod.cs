using System.Runtime.InteropServices;

namespace Backup.Linux;

internal static partial class Interop
{
    /// <summary>mknod(2): device, FIFO or socket inode; dev is in glibc's dev_t encoding.</summary>
    [LibraryImport("libc", EntryPoint = "mknod", SetLastError = true)]
    internal static unsafe partial int Mknod(byte* path, uint mode, ulong dev);
}
