using System.Runtime.InteropServices;
using Backup.Core.FileSystem;
using Backup.Linux.FileSystem;

namespace Backup.Linux.Btrfs;

/// <summary>A btrfs ioctl or mount call failed: names the call, the path, the error and what to do about it.</summary>
public sealed class BtrfsException : FileSystemException
{
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
            Interop.Errors.EBUSY => "EBUSY",
            Interop.Errors.ENODEV => "ENODEV",
            Interop.Errors.ENOTTY => "ENOTTY",
            _ => null,
        };
        var text = name is null ? FileSystemErrors.Describe(errno) : $"{Marshal.GetPInvokeErrorMessage(errno)} ({name})";
        var hint = errno switch
        {
            Interop.Errors.EPERM => "this call needs CAP_SYS_ADMIN: run backupd as root",
            Interop.Errors.ENOTTY => "the path is not on a btrfs filesystem",
            Interop.Errors.ENODEV => "the kernel has no btrfs support or the device holds no btrfs filesystem",
            Interop.Errors.EBUSY => "something still uses the mount (an open file or a working directory below it)",
            _ => null,
        };
        var described = hint is null ? text : $"{text}; {hint}";
        return context is null ? described : $"{context}: {described}";
    }
}
