namespace Backup.Linux.Btrfs;

/// <summary>One btrfs subvolume (a tree of its own, with its own inode numbers).</summary>
/// <param name="Id">The subvolume (tree) id; 5 is the top level.</param>
/// <param name="Generation">The transaction that last changed the subvolume, as of the last commit.</param>
/// <param name="ParentId">The subvolume that holds this one; 0 for the top level.</param>
/// <param name="Uuid">The subvolume's UUID as btrfs prints it; empty for a top level made by old tools.</param>
/// <param name="Path">Relative to the top level, "" for the top level itself; null when it could not be
/// resolved (that needs CAP_SYS_ADMIN).</param>
public readonly record struct SubvolumeInfo(ulong Id, ulong Generation, ulong ParentId, Guid Uuid, string? Path)
{
    /// <summary>The transaction that created the subvolume (otransid); a subvolume with a value above a recorded
    /// generation did not exist then and has to be scanned in full. 0 when the filesystem does not record it.</summary>
    public ulong CreatedGeneration { get; init; }

    /// <summary>Whether it is a read-only subvolume, such as a snapshot taken for a backup.</summary>
    public bool IsReadOnly { get; init; }

    /// <summary>The UUID of the subvolume this one is a snapshot of; empty when it is not a snapshot.</summary>
    public Guid ParentUuid { get; init; }
}
