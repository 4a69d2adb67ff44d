namespace Backup.Linux;

internal static partial class Interop
{
    /// <summary>
    /// The system's libsystemd. Its sd_* calls report failure as a negative errno in the return value and
    /// leave errno itself unspecified, so their imports do not set SetLastError.
    /// </summary>
    internal const string LibSystemd = "libsystemd.so.0";

    /// <summary>SD_LISTEN_FDS_START (sd-daemon.h): the first descriptor passed by socket activation.</summary>
    internal const int SD_LISTEN_FDS_START = 3;

    /// <summary>Socket types (bits/socket_type.h), as sd_is_socket_unix(3) takes them.</summary>
    internal const int SOCK_STREAM = 1;
}
