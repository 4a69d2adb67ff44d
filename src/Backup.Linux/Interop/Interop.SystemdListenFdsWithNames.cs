using System.Runtime.InteropServices;

namespace Backup.Linux;

internal static partial class Interop
{
    /// <summary>
    /// sd_listen_fds_with_names(3): how many descriptors from SD_LISTEN_FDS_START on were passed to this
    /// process, and a malloc'ed, NULL-terminated array of their names (each name malloc'ed too).
    /// </summary>
    [LibraryImport(LibSystemd, EntryPoint = "sd_listen_fds_with_names")]
    internal static unsafe partial int SdListenFdsWithNames(int unsetEnvironment, byte*** names);

    /// <summary>free(3) of memory libsystemd allocated for us (the names above); it uses the same allocator as libc.</summary>
    [LibraryImport("libc", EntryPoint = "free")]
    internal static unsafe partial void SystemdFree(void* pointer);
}
