using System.Runtime.InteropServices;

namespace Backup.Core.Interop;

/// <summary>The few POSIX calls the portable core needs: durable writes, and the index's file on disk.</summary>
internal static unsafe partial class Libc
{
    public const int O_RDONLY = 0x0;
    public const int O_DIRECTORY = 0x10000;
    public const int O_CLOEXEC = 0x80000;
    public const int O_RDWR = 0x2;

    /// <summary>O_TMPFILE (x86-64): an unnamed regular file in the given directory, gone when its last reference is.</summary>
    public const int O_TMPFILE = 0x400000 | O_DIRECTORY;

    public const int PROT_READ = 0x1;
    public const int MAP_SHARED = 0x1;

    /// <summary>fsync(2).</summary>
    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    public static partial int Fsync(nint fd);

    /// <summary>open(2).</summary>
    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Open(string path, int flags, int mode);

    /// <summary>close(2).</summary>
    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    /// <summary>getpid(2).</summary>
    [LibraryImport("libc", EntryPoint = "getpid")]
    public static partial int GetPid();

    /// <summary>kill(2), used with signal 0 to ask whether a process exists.</summary>
    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    public static partial int Kill(int pid, int signal);

    /// <summary>geteuid(2).</summary>
    [LibraryImport("libc", EntryPoint = "geteuid")]
    public static partial uint GetEuid();

    /// <summary>getegid(2).</summary>
    [LibraryImport("libc", EntryPoint = "getegid")]
    public static partial uint GetEgid();

    /// <summary>mmap(2); returns MAP_FAILED (-1) on error.</summary>
    [LibraryImport("libc", EntryPoint = "mmap", SetLastError = true)]
    public static partial nint Mmap(nint address, nuint length, int protection, int flags, int fd, long offset);

    /// <summary>munmap(2).</summary>
    [LibraryImport("libc", EntryPoint = "munmap", SetLastError = true)]
    public static partial int Munmap(nint address, nuint length);
}
