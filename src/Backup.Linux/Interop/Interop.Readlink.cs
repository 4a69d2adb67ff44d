using System.Runtime.InteropServices;

namespace Backup.Linux;

internal static partial class Interop
{
    /// <summary>readlink(2): the target bytes without a NUL; a full buffer may mean truncation.</summary>
    [LibraryImport("libc", EntryPoint = "readlink", SetLastError = true)]
    internal static unsafe partial nint Readlink(byte* path, byte* buffer, nuint size);
}
