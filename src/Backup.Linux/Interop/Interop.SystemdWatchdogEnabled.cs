using System.Runtime.InteropServices;

namespace Backup.Linux;

internal static partial class Interop
{
    /// <summary>sd_watchdog_enabled(3): &gt;0 and the timeout in microseconds when the manager expects WATCHDOG=1 pings from this process.</summary>
    [LibraryImport(LibSystemd, EntryPoint = "sd_watchdog_enabled")]
    internal static unsafe partial int SdWatchdogEnabled(int unsetEnvironment, ulong* usec);
}
