using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Backup.Linux;

internal static partial class Interop
{
    /// <summary>fanotify_mark(2): adds or removes a mark on the object named by dirfd and path.</summary>
    [LibraryImport("libc", EntryPoint = "fanotify_mark", SetLastError = true)]
    internal static unsafe partial int FanotifyMark(SafeFileHandle group, uint flags, ulong mask, int dirfd, byte* path);

    /// <summary>Flags of fanotify_mark(2): an action combined with a mark type.</summary>
    internal static class FanotifyMarkFlags
    {
        internal const uint FAN_MARK_ADD = 0x1;
        internal const uint FAN_MARK_REMOVE = 0x2;
        internal const uint FAN_MARK_IGNORED_SURV_MODIFY = 0x40;
        internal const uint FAN_MARK_FLUSH = 0x80;
        internal const uint FAN_MARK_FILESYSTEM = 0x100;
        internal const uint FAN_MARK_MNTNS = 0x110;

        /// <summary>Linux 6.0: the mask is an ignore mask in which FAN_ONDIR and FAN_EVENT_ON_CHILD count.</summary>
        internal const uint FAN_MARK_IGNORE = 0x400;
    }
}
