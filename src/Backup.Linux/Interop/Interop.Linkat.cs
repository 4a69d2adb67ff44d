using System.Runtime.InteropServices;

namespace Backup.Linux;

internal static partial class Interop
{
    /// <summary>linkat(2): a new hard link; flags 0 links a symlink itself rather than its target.</summary>
    [LibraryImport("libc", EntryPoint = "linkat", SetLastError = true)]
    internal static unsafe partial int Linkat(int oldDirfd, byte* oldPath, int newDirfd, byte* newPath, int flags);
}
