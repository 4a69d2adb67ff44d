using System.Runtime.InteropServices;

namespace Backup.Linux;

internal static partial class Interop
{
    /// <summary>sd_notify(3): sends newline-separated assignments to $NOTIFY_SOCKET; 0 when it is unset, &gt;0 when sent, -errno on failure.</summary>
    [LibraryImport(LibSystemd, EntryPoint = "sd_notify")]
    internal static unsafe partial int SdNotify(int unsetEnvironment, byte* state);
}
