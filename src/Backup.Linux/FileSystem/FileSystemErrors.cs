using System.Runtime.InteropServices;
using Backup.Core.FileSystem;

namespace Backup.Linux.FileSystem;

/// <summary>Turns a failed system call into a <see cref="FileSystemException"/> that says what went wrong and what to do.</summary>
internal static class FileSystemErrors
{
    /// <summary>The exception for the errno the last P/Invoke left behind.</summary>
    /// <param name="context">What else the call was about (an attribute name, a link target), put before the error text.</param>
    internal static FileSystemException LastError(string operation, string path, string? context = null) =>
        Create(operation, path, Marshal.GetLastPInvokeError(), context);

    internal static FileSystemException Create(string operation, string path, int errno, string? context = null) =>
        new(operation, path, errno, context is null ? Describe(errno) : $"{context}: {Describe(errno)}");

    /// <summary>The C library's text for the errno, its symbolic name, and for the common cases a hint.</summary>
    internal static string Describe(int errno)
    {
        var text = Marshal.GetPInvokeErrorMessage(errno);
        var name = Name(errno);
        var described = name is null ? $"{text} (errno {errno})" : $"{text} ({name})";
        var hint = Hint(errno);
        return hint is null ? described : $"{described}; {hint}";
    }

    private static string? Name(int errno) => errno switch
    {
        Interop.Errors.EPERM => "EPERM",
        Interop.Errors.ENOENT => "ENOENT",
        Interop.Errors.EINTR => "EINTR",
        Interop.Errors.EIO => "EIO",
        Interop.Errors.EBADF => "EBADF",
        Interop.Errors.EACCES => "EACCES",
        Interop.Errors.EEXIST => "EEXIST",
        Interop.Errors.ENOTDIR => "ENOTDIR",
        Interop.Errors.EISDIR => "EISDIR",
        Interop.Errors.EINVAL => "EINVAL",
        Interop.Errors.ENOSPC => "ENOSPC",
        Interop.Errors.EROFS => "EROFS",
        Interop.Errors.ERANGE => "ERANGE",
        Interop.Errors.ENAMETOOLONG => "ENAMETOOLONG",
        Interop.Errors.ELOOP => "ELOOP",
        Interop.Errors.ENODATA => "ENODATA",
        Interop.Errors.EOPNOTSUPP => "EOPNOTSUPP",
        _ => null,
    };

    private static string? Hint(int errno) => errno switch
    {
        Interop.Errors.EACCES => "check the permissions of the path and of every directory above it, or run as a user who may access it",
        Interop.Errors.ENOENT => "the path or a directory above it does not exist (it may have been removed meanwhile)",
        Interop.Errors.ENOSPC => "the filesystem is out of space or inodes: free some or choose another destination",
        Interop.Errors.EROFS => "the filesystem is mounted read-only: remount it read-write or choose another destination",
        Interop.Errors.ELOOP => "the path is a symbolic link, which this operation does not follow (or its directories loop)",
        _ => null,
    };
}
