using System.Runtime.InteropServices;

namespace Backup.Linux;

internal static partial class Interop
{
    /// <summary>mount(2): attaches the filesystem on source at target; data is the filesystem's option string.</summary>
    [LibraryImport("libc", EntryPoint = "mount", SetLastError = true)]
    internal static unsafe partial int Mount(byte* source, byte* target, byte* filesystemType, nuint flags, byte* data);

    /// <summary>Mount flags (linux/mount.h).</summary>
    internal static class MountFlags
    {
        internal const nuint MS_NOSUID = 0x2;
        internal const nuint MS_NODEV = 0x4;
        internal const nuint MS_NOEXEC = 0x8;
    }
}
