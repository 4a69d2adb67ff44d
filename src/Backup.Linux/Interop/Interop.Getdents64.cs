using System.Runtime.InteropServices;

namespace Backup.Linux;

internal static partial class Interop
{
    /// <summary>getdents64(2): fills the buffer with linux_dirent64 records; 0 at the end of the directory.</summary>
    [LibraryImport("libc", EntryPoint = "getdents64", SetLastError = true)]
    internal static unsafe partial nint Getdents64(int fd, byte* buffer, nuint count);

    /// <summary>Offsets inside struct linux_dirent64: d_ino u64, d_off s64, d_reclen u16, d_type u8, d_name.</summary>
    internal static class Dirent64
    {
        internal const int RecordLengthOffset = 16;
        internal const int NameOffset = 19;
    }
}
