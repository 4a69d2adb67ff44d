namespace Backup.Core.Archiving;

/// <summary>What the change journal recorded about one directory since the parent snapshot.</summary>
[Flags]
public enum DirtyFlags
{
    None = 0,

    /// <summary>An entry was created, deleted, renamed, or a child's content or metadata changed: list it again.</summary>
    Children = 1,

    /// <summary>The directory's own metadata changed (mode, owner, xattrs, times): stat it again.</summary>
    Self = 2,

    /// <summary>The directory was moved here from elsewhere: walk its whole subtree.</summary>
    Recursive = 4,
}

/// <summary>A directory the journal saw change, by its absolute path (in <see cref="FileSystem.PathEncoding"/> form).</summary>
public readonly record struct DirtyDirectory(string Path, DirtyFlags Flags);

/// <summary>A file identity: st_dev and st_ino, as recorded in a node's DeviceId and Inode.</summary>
public readonly record struct InodeKey(ulong Device, ulong Inode);

/// <summary>
/// How much of the backup paths a run has to look at: everything (and why), or only the directories the
/// change journal saw change since <see cref="ParentSnapshot"/>. Both must produce the same snapshot.
/// An entry the parent run left out after an error (see its warnings) is retried only where the plan lists its
/// directory, so after a run with warnings the next plan should be full or name those directories.
/// </summary>
public sealed class ScanPlan
{
    private ScanPlan(bool isFull, string? reason, string? parentSnapshot, IReadOnlyList<DirtyDirectory> directories, IReadOnlyList<InodeKey> changedInodes)
    {
        IsFull = isFull;
        Reason = reason;
        ParentSnapshot = parentSnapshot;
        Directories = directories;
        ChangedInodes = changedInodes;
    }

    public bool IsFull { get; }

    /// <summary>Why every directory is walked; null for a partial plan.</summary>
    public string? Reason { get; }

    /// <summary>The snapshot ID (hex) the changes are relative to; null for a full plan.</summary>
    public string? ParentSnapshot { get; }

    public IReadOnlyList<DirtyDirectory> Directories { get; }

    /// <summary>Inodes whose metadata changed where no directory entry shows it, e.g. a new hard link's target.</summary>
    public IReadOnlyList<InodeKey> ChangedInodes { get; }

    public static ScanPlan Full(string reason)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        return new ScanPlan(true, reason, null, Array.Empty<DirtyDirectory>(), Array.Empty<InodeKey>());
    }

    public static ScanPlan Partial(string parentSnapshot, IEnumerable<DirtyDirectory> directories, IEnumerable<InodeKey> changedInodes)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(parentSnapshot);
        ArgumentNullException.ThrowIfNull(directories);
        ArgumentNullException.ThrowIfNull(changedInodes);
        return new ScanPlan(false, null, parentSnapshot, directories.ToList(), changedInodes.ToList());
    }

    public override string ToString() => IsFull
        ? $"full: {Reason}"
        : $"partial: {Directories.Count} directories changed since {ParentSnapshot}";
}
