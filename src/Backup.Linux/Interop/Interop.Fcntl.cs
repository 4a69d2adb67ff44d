using System.Runtime.InteropServices;

namespace Backup.Linux;

internal static partial class Interop
{
    internal const int F_SETFL = 4;

    /// <summary>fcntl(2) with an integer argument (F_SETFL).</summary>
    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    internal static partial int Fcntl(int fd, int command, int argument);
}
