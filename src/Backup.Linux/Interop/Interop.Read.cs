using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Backup.Linux;

internal static partial class Interop
{
    /// <summary>read(2): up to count bytes at the current position; -1 with EAGAIN when a non-blocking descriptor has nothing.</summary>
    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    internal static unsafe partial nint Read(SafeFileHandle fd, byte* buffer, nuint count);
}
