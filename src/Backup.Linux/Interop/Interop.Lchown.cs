using System.Runtime.InteropServices;

namespace Backup.Linux;

internal static partial class Interop
{
    /// <summary>lchown(2): owner and group of the path itself, a symlink is not followed.</summary>
    [LibraryImport("libc", EntryPoint = "lchown", SetLastError = true)]
    internal static unsafe partial int Lchown(byte* path, uint uid, uint gid);
}
