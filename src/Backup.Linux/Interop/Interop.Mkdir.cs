using System.Runtime.InteropServices;

namespace Backup.Linux;

internal static partial class Interop
{
    /// <summary>mkdir(2): the mode is masked by the process umask.</summary>
    [LibraryImport("libc", EntryPoint = "mkdir", SetLastError = true)]
    internal static unsafe partial int Mkdir(byte* path, uint mode);
}
