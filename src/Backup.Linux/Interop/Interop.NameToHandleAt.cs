using System.Runtime.InteropServices;

namespace Backup.Linux;

internal static partial class Interop
{
    /// <summary>name_to_handle_at(2): the struct file_handle of a path; EOVERFLOW when handle_bytes is too small.</summary>
    [LibraryImport("libc", EntryPoint = "name_to_handle_at", SetLastError = true)]
    internal static unsafe partial int NameToHandleAt(int dirfd, byte* path, byte* handle, int* mountId, int flags);
}
