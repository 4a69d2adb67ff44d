using System.Runtime.InteropServices;

namespace Backup.Linux;

internal static partial class Interop
{
    /// <summary>fanotify_init(2): creates a notification group; returns its descriptor or -1.</summary>
    [LibraryImport("libc", EntryPoint = "fanotify_init", SetLastError = true)]
    internal static partial int FanotifyInit(uint flags, uint eventFileFlags);

    /// <summary>Flags of fanotify_init(2) (linux/fanotify.h); several are newer than the 6.1 headers on the build machines.</summary>
    internal static class FanotifyInitFlags
    {
        internal const uint FAN_CLOEXEC = 0x1;
        internal const uint FAN_NONBLOCK = 0x2;
        internal const uint FAN_CLASS_NOTIF = 0x0;
        internal const uint FAN_REPORT_FID = 0x200;
        internal const uint FAN_REPORT_DIR_FID = 0x400;
        internal const uint FAN_REPORT_NAME = 0x800;
        internal const uint FAN_REPORT_TARGET_FID = 0x1000;
        internal const uint FAN_REPORT_MNT = 0x4000;
        internal const uint FAN_REPORT_DFID_NAME = FAN_REPORT_DIR_FID | FAN_REPORT_NAME;
    }
}
