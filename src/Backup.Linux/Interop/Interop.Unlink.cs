using System.Runtime.InteropServices;

namespace Backup.Linux;

internal static partial class Interop
{
    /// <summary>unlink(2): removes a name that is not a directory.</summary>
    [LibraryImport("libc", EntryPoint = "unlink", SetLastError = true)]
    internal static unsafe partial int Unlink(byte* path);
}
