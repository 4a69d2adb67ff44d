using System.Runtime.InteropServices;

namespace Backup.Linux;

internal static partial class Interop
{
    /// <summary>getgrgid_r(3): returns an error number (ERANGE: buffer too small); *result is NULL when there is no entry.</summary>
    [LibraryImport("libc", EntryPoint = "getgrgid_r", SetLastError = true)]
    internal static unsafe partial int GetgrgidR(uint gid, Group* entry, byte* buffer, nuint size, Group** result);
}
