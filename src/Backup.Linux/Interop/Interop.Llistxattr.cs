using System.Runtime.InteropServices;

namespace Backup.Linux;

internal static partial class Interop
{
    /// <summary>llistxattr(2): NUL-separated attribute names of the path itself; size 0 asks for the length.</summary>
    [LibraryImport("libc", EntryPoint = "llistxattr", SetLastError = true)]
    internal static unsafe partial nint Llistxattr(byte* path, byte* list, nuint size);
}
