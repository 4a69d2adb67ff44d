using Backup.Core.Archiving;
using Backup.Core.FileSystem;

namespace Backup.Core.Tests.Archiving;

/// <summary>
/// Records changes as the fanotify change journal does: against directory identities (here the inode), resolved
/// to paths only when the backup starts. A directory deleted since no longer resolves and drops out.
/// </summary>
internal sealed class SimulatedJournal(IFileSystem fileSystem)
{
    private readonly Dictionary<ulong, DirtyFlags> _directories = new();
    private readonly HashSet<InodeKey> _inodes = new();

    /// <summary>An entry of the directory was created, deleted, renamed, written or had its metadata changed.</summary>
    public void Children(string directory) => Mark(directory, DirtyFlags.Children);

    /// <summary>The directory's own metadata changed (reported against the directory itself, name ".").</summary>
    public void Self(string directory) => Mark(directory, DirtyFlags.Self);

    /// <summary>The directory arrived here by a rename.</summary>
    public void Recursive(string directory) => Mark(directory, DirtyFlags.Recursive);

    /// <summary>The inode's metadata changed where no listing shows it (a new hard link to it).</summary>
    public void ChangedInode(string path)
    {
        var status = fileSystem.LStat(path);
        _inodes.Add(new InodeKey(status.Device, status.Inode));
    }

    /// <summary>A partial plan relative to the parent, with every recorded directory that still exists under <paramref name="root"/>.</summary>
    public ScanPlan Plan(string parentSnapshot, string root, params DirtyDirectory[] extra)
    {
        var resolved = new List<DirtyDirectory>();
        var pending = new Stack<string>();
        pending.Push(root);
        while (pending.TryPop(out var directory))
        {
            var status = fileSystem.LStat(directory);
            if (_directories.TryGetValue(status.Inode, out var flags))
            {
                resolved.Add(new DirtyDirectory(directory, flags));
            }

            foreach (var name in fileSystem.ReadDirectory(directory))
            {
                var child = directory + "/" + name;
                if (fileSystem.LStat(child).Kind == FileKind.Directory)
                {
                    pending.Push(child);
                }
            }
        }

        resolved.Sort((a, b) => string.CompareOrdinal(a.Path, b.Path));
        return ScanPlan.Partial(parentSnapshot, resolved.Concat(extra), _inodes.OrderBy(i => i.Inode));
    }

    private void Mark(string directory, DirtyFlags flags)
    {
        var inode = fileSystem.LStat(directory).Inode;
        _directories[inode] = _directories.GetValueOrDefault(inode) | flags;
    }
}
