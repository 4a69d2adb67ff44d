using System.Runtime.InteropServices;

namespace Backup.Linux;

internal static partial class Interop
{
    /// <summary>umount2(2): detaches the mount at target; flags 0 fails with EBUSY while it is in use.</summary>
    [LibraryImport("libc", EntryPoint = "umount2", SetLastError = true)]
    internal static unsafe partial int Umount2(byte* target, int flags);
}
