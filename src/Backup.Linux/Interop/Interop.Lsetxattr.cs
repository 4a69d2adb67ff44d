using System.Runtime.InteropServices;

namespace Backup.Linux;

internal static partial class Interop
{
    /// <summary>lsetxattr(2): creates or replaces an attribute of the path itself (flags 0).</summary>
    [LibraryImport("libc", EntryPoint = "lsetxattr", SetLastError = true)]
    internal static unsafe partial int Lsetxattr(byte* path, byte* name, byte* value, nuint size, int flags);
}
