using System.Runtime.InteropServices;

namespace Backup.Linux;

internal static partial class Interop
{
    /// <summary>symlink(2): creates linkPath pointing at target, which is stored as given.</summary>
    [LibraryImport("libc", EntryPoint = "symlink", SetLastError = true)]
    internal static unsafe partial int Symlink(byte* target, byte* linkPath);
}
