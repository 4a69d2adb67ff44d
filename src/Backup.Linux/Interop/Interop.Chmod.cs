using System.Runtime.InteropServices;

namespace Backup.Linux;

internal static partial class Interop
{
    /// <summary>chmod(2): permission bits including set-id and sticky (07777).</summary>
    [LibraryImport("libc", EntryPoint = "chmod", SetLastError = true)]
    internal static unsafe partial int Chmod(byte* path, uint mode);
}
