using System.Runtime.InteropServices;
using Backup.Core.FileSystem;
using Backup.Linux.FileSystem;

namespace Backup.Linux.Btrfs;

/// <summary>A btrfs ioctl or mount call failed: names the call, the path, the error and what to do about it.</summary>
public sealed class BtrfsException : FileSystemException
{
    private const int EPERM = 1;
    internal const int EBUSY = 16;
    private const int ENODEV = 19;
    private const int ENOTTY = 25;

    internal BtrfsException(string operation, string path, int errno, string? context = null)
        : base(operation, path, errno, Describe(errno, context))
    {
    }

    internal static BtrfsException LastError(string operation, string path, string? context = null) =>
        new(operation, path, Marshal.GetLastPInvokeError(), context);

    private static string Describe(int errno, string? context)
    {
        // FileSystemErrors knows the names of the common errors; these are the ones only btrfs calls give.
        var name = errno switch
        {
            EBUSY => "EBUSY",
            ENODEV => "ENODEV",
            ENOTTY => "ENOTTY",
            _ => null,
        };
        var text = name is null ? FileSystemErrors.Describe(errno) : $"{Marshal.GetPInvokeErrorMessage(errno)} ({name})";
        var hint = errno switch
        {
            EPERM => "this call needs CAP_SYS_ADMIN: run backupd as root",
            ENOTTY => "the path is not on a btrfs filesystem",
            ENODEV => "the kernel has no btrfs support or the device holds no btrfs filesystem",
            EBUSY => "something still uses the mount (an open file or a working directory below it)",
            _ => null,
        };
        var described = hint is null ? text : $"{text}; {hint}";
        return context is null ? described : $"{context}: {described}";
    }
}
