using Microsoft.Win32.SafeHandles;

namespace Backup.Core.FileSystem;

/// <summary>
/// The filesystem as the archiver reads it and the restorer writes it. Paths are absolute or relative
/// strings in <see cref="PathEncoding"/> form; no operation follows a symlink in the last component.
/// Failures throw <see cref="FileSystemException"/> naming the path and the system call.
/// </summary>
public interface IFileSystem
{
    FileStatus LStat(string path);

    /// <summary>Names in a directory, without "." and "..", in the order the kernel returns them.</summary>
    IReadOnlyList<string> ReadDirectory(string path);

    /// <summary>
    /// A directory's names (as <see cref="ReadDirectory"/>) with a way to lstat each entry relative to the directory
    /// as it was opened, so that the kernel need not resolve the directory's path again for every entry. Fails as
    /// <see cref="ReadDirectory"/> does. By default, <see cref="ReadDirectory"/> and <see cref="LStat"/> by path.
    /// </summary>
    IDirectoryListing OpenDirectory(string path) => new PathDirectoryListing(this, path);

    string ReadLink(string path);

    /// <summary>Extended attributes of the path itself (llistxattr order), POSIX ACLs included.</summary>
    IReadOnlyList<ExtendedAttribute> ReadExtendedAttributes(string path);

    /// <summary>Opens a regular file for reading without following a symlink and without updating atime where allowed.</summary>
    SafeFileHandle OpenRead(string path);

    /// <summary>fstat(2) of an open handle, to confirm it is the file that was stat'ed by path.</summary>
    FileStatus Stat(SafeFileHandle handle);

    string? UserName(uint uid);

    string? GroupName(uint gid);

    uint? UserId(string name);

    uint? GroupId(string name);

    void CreateDirectory(string path, uint permissions);

    /// <summary>Creates a new regular file (O_CREAT|O_EXCL|O_NOFOLLOW) for writing.</summary>
    SafeFileHandle CreateFile(string path, uint permissions);

    void CreateSymlink(string target, string path);

    void CreateHardLink(string existingPath, string newPath);

    /// <summary>mknod(2) for devices and FIFOs (and sockets as plain socket inodes).</summary>
    void CreateSpecial(string path, FileKind kind, uint permissions, ulong rdev);

    /// <summary>Removes a non-directory entry; missing is not an error.</summary>
    void Unlink(string path);

    /// <summary>lchown(2).</summary>
    void SetOwner(string path, uint uid, uint gid);

    /// <summary>chmod(2) with the full 07777 bits; never called for symlinks.</summary>
    void SetPermissions(string path, uint permissions);

    /// <summary>utimensat(2) with AT_SYMLINK_NOFOLLOW.</summary>
    void SetTimes(string path, Timespec atime, Timespec mtime);

    /// <summary>lsetxattr(2).</summary>
    void SetExtendedAttribute(string path, string name, byte[] value);
}

/// <summary>An open directory: its names, and the lstat of an entry. Disposing closes the directory.</summary>
public interface IDirectoryListing : IDisposable
{
    IReadOnlyList<string> Names { get; }

    /// <summary>lstat of the entry <paramref name="name"/>; <paramref name="path"/> (the directory joined with it) names it in errors.</summary>
    FileStatus LStat(string name, string path);
}

/// <summary>The listing of a filesystem that opens nothing: its names read at once, its entries stat'ed by path.</summary>
internal sealed class PathDirectoryListing(IFileSystem fileSystem, string directory) : IDirectoryListing
{
    public IReadOnlyList<string> Names { get; } = fileSystem.ReadDirectory(directory);

    public FileStatus LStat(string name, string path) => fileSystem.LStat(path);

    public void Dispose()
    {
    }
}

/// <summary>A failed system call on a path: the message names both, and what the error means.</summary>
public class FileSystemException : IOException
{
    public FileSystemException(string operation, string path, int errno, string description)
        : base($"{operation} {Quote(path)}: {description}")
    {
        Operation = operation;
        Path = path;
        Errno = errno;
    }

    public string Operation { get; }

    public string Path { get; }

    public int Errno { get; }

    public static string Quote(string path) => "\"" + path + "\"";
}
