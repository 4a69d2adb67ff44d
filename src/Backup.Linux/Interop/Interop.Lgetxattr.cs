using System.Runtime.InteropServices;

namespace Backup.Linux;

internal static partial class Interop
{
    /// <summary>lgetxattr(2): one attribute value of the path itself; size 0 asks for the length.</summary>
    [LibraryImport("libc", EntryPoint = "lgetxattr", SetLastError = true)]
    internal static unsafe partial nint Lgetxattr(byte* path, byte* name, byte* value, nuint size);
}
