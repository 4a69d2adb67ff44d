using System.Runtime.InteropServices;

namespace Backup.Linux;

internal static partial class Interop
{
    /// <summary>open_by_handle_at(2): opens the object a struct file_handle names, on the filesystem of mountFd; needs CAP_DAC_READ_SEARCH.</summary>
    [LibraryImport("libc", EntryPoint = "open_by_handle_at", SetLastError = true)]
    internal static unsafe partial int OpenByHandleAt(int mountFd, byte* handle, int flags);

    /// <summary>O_PATH (asm-generic/fcntl.h; the same on x86-64 and AArch64): a descriptor that only locates the object.</summary>
    internal const int O_PATH = 0x200000;

    /// <summary>Size of the fixed part of struct file_handle: u32 handle_bytes, s32 handle_type.</summary>
    internal const int FileHandleHeaderSize = 8;

    /// <summary>MAX_HANDLE_SZ (linux/exportfs.h): the largest f_handle any filesystem produces.</summary>
    internal const int MaxHandleSize = 128;
}
