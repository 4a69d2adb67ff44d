namespace Backup.Linux.Btrfs;

/// <summary>An inode of one subvolume whose inode item was rewritten after a given generation.</summary>
/// <param name="Inode">The inode number within its subvolume (256 is the subvolume's root directory).</param>
/// <param name="Transid">The transaction that last wrote the inode item.</param>
/// <param name="IsDirectory">Whether it is a directory: a changed directory stands for entries created,
/// removed or renamed in it, which need a listing to find.</param>
public readonly record struct ChangedInode(ulong Inode, ulong Transid, bool IsDirectory)
{
    /// <summary>The number of names the inode has; 0 for a file that was deleted while still open.</summary>
    public uint LinkCount { get; init; }
}
