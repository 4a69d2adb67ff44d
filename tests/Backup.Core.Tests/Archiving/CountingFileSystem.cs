using System.Collections.Concurrent;
using Backup.Core.FileSystem;
using Microsoft.Win32.SafeHandles;

namespace Backup.Core.Tests.Archiving;

/// <summary>
/// The real filesystem, recording every path the archiver stats or lists and whose extended attributes it reads;
/// account names can be made to answer as if an account had been renamed, and attributes as if there were none.
/// </summary>
internal sealed class CountingFileSystem(IFileSystem inner) : IFileSystem
{
    public ConcurrentQueue<string> Stats { get; } = new();

    public ConcurrentQueue<string> Listings { get; } = new();

    public ConcurrentQueue<string> AttributeReads { get; } = new();

    /// <summary>When set, the user name of every uid.</summary>
    public Func<uint, string?>? UserNames { get; set; }

    /// <summary>When set, paths whose extended attributes read as none (as a filesystem that failed to list them).</summary>
    public Func<string, bool>? HideAttributes { get; set; }

    public void Reset()
    {
        Stats.Clear();
        Listings.Clear();
        AttributeReads.Clear();
    }

    /// <summary>Every stat'ed or listed path at or below a directory.</summary>
    public List<string> TouchedUnder(string directory) =>
        Stats.Concat(Listings).Where(p => p == directory || p.StartsWith(directory + "/", StringComparison.Ordinal)).ToList();

    public FileStatus LStat(string path)
    {
        Stats.Enqueue(path);
        return inner.LStat(path);
    }

    public IReadOnlyList<string> ReadDirectory(string path)
    {
        Listings.Enqueue(path);
        return inner.ReadDirectory(path);
    }

    public string ReadLink(string path) => inner.ReadLink(path);

    public IReadOnlyList<ExtendedAttribute> ReadExtendedAttributes(string path)
    {
        AttributeReads.Enqueue(path);
        return HideAttributes?.Invoke(path) == true ? [] : inner.ReadExtendedAttributes(path);
    }

    public SafeFileHandle OpenRead(string path) => inner.OpenRead(path);

    public FileStatus Stat(SafeFileHandle handle) => inner.Stat(handle);

    public string? UserName(uint uid) => UserNames is { } names ? names(uid) : inner.UserName(uid);

    public string? GroupName(uint gid) => inner.GroupName(gid);

    public uint? UserId(string name) => inner.UserId(name);

    public uint? GroupId(string name) => inner.GroupId(name);

    public void CreateDirectory(string path, uint permissions) => inner.CreateDirectory(path, permissions);

    public SafeFileHandle CreateFile(string path, uint permissions) => inner.CreateFile(path, permissions);

    public void CreateSymlink(string target, string path) => inner.CreateSymlink(target, path);

    public void CreateHardLink(string existingPath, string newPath) => inner.CreateHardLink(existingPath, newPath);

    public void CreateSpecial(string path, FileKind kind, uint permissions, ulong rdev) => inner.CreateSpecial(path, kind, permissions, rdev);

    public void Unlink(string path) => inner.Unlink(path);

    public void SetOwner(string path, uint uid, uint gid) => inner.SetOwner(path, uid, gid);

    public void SetPermissions(string path, uint permissions) => inner.SetPermissions(path, permissions);

    public void SetTimes(string path, Timespec atime, Timespec mtime) => inner.SetTimes(path, atime, mtime);

    public void SetExtendedAttribute(string path, string name, byte[] value) => inner.SetExtendedAttribute(path, name, value);
}
