using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Backup.Linux;

internal static partial class Interop
{
    /// <summary>fsync(2): flushes data and metadata of the file to the device.</summary>
    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    internal static partial int Fsync(SafeFileHandle fd);

    /// <summary>fsync(2) of a raw descriptor this module opened itself.</summary>
    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    internal static partial int Fsync(int fd);
}
