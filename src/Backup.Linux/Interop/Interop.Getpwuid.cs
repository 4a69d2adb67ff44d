using System.Runtime.InteropServices;

namespace Backup.Linux;

internal static partial class Interop
{
    /// <summary>getpwuid_r(3): returns an error number (ERANGE: buffer too small); *result is NULL when there is no entry.</summary>
    [LibraryImport("libc", EntryPoint = "getpwuid_r", SetLastError = true)]
    internal static unsafe partial int GetpwuidR(uint uid, Passwd* entry, byte* buffer, nuint size, Passwd** result);
}
