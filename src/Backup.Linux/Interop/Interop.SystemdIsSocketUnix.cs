using System.Runtime.InteropServices;

namespace Backup.Linux;

internal static partial class Interop
{
    /// <summary>sd_is_socket_unix(3): &gt;0 when fd is an AF_UNIX socket of the type (0: any) and listening state (-1: any).</summary>
    [LibraryImport(LibSystemd, EntryPoint = "sd_is_socket_unix")]
    internal static unsafe partial int SdIsSocketUnix(int fd, int type, int listening, byte* path, nuint length);
}
