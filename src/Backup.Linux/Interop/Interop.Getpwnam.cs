using System.Runtime.InteropServices;

namespace Backup.Linux;

internal static partial class Interop
{
    /// <summary>getpwnam_r(3): returns an error number (ERANGE: buffer too small); *result is NULL when there is no entry.</summary>
    [LibraryImport("libc", EntryPoint = "getpwnam_r", SetLastError = true)]
    internal static unsafe partial int GetpwnamR(byte* name, Passwd* entry, byte* buffer, nuint size, Passwd** result);
}
