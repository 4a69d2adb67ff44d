using Backup.Core.Archiving;
using Backup.Linux.Fanotify;

namespace Backup.Daemon.Watching;

/// <summary>
/// Changes read from the kernel and not yet written to the database, merged per directory handle.
/// The reader thread adds; the flusher takes everything at once. Memory is bounded: past
/// <see cref="Limit"/> entries the changes are dropped and replaced by a gap, so a flood of events
/// costs a full scan instead of unbounded memory.
/// </summary>
internal sealed class PendingChanges
{
    private readonly Lock _lock = new();
    private Dictionary<(Fsid, FileHandle), DirtyFlags> _directories = new();
    private HashSet<(Fsid, FileHandle)> _inodes = new();
    private string? _gap;

    public PendingChanges(int limit)
    {
        Limit = limit;
    }

    public int Limit { get; }

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _directories.Count + _inodes.Count;
            }
        }
    }

    public void AddDirectory(Fsid fsid, FileHandle handle, DirtyFlags flags)
    {
        lock (_lock)
        {
            if (_gap is not null)
            {
                return;
            }

            _directories[(fsid, handle)] = _directories.TryGetValue((fsid, handle), out var existing) ? existing | flags : flags;
            CheckLimit();
        }
    }

    /// <summary>An object reported without its parent directory; resolved to an inode when flushed.</summary>
    public void AddInode(Fsid fsid, FileHandle handle)
    {
        lock (_lock)
        {
            if (_gap is null)
            {
                _inodes.Add((fsid, handle));
                CheckLimit();
            }
        }
    }

    /// <summary>Changes were lost (queue overflow, reader failure): everything pending is superseded by the gap.</summary>
    public void AddGap(string reason)
    {
        lock (_lock)
        {
            _gap ??= reason;
            _directories.Clear();
            _inodes.Clear();
        }
    }

    public PendingBatch Take()
    {
        lock (_lock)
        {
            var batch = new PendingBatch(_directories, _inodes, _gap);
            _directories = new();
            _inodes = new();
            _gap = null;
            return batch;
        }
    }

    private void CheckLimit()
    {
        if (_directories.Count + _inodes.Count > Limit)
        {
            _gap = $"more than {Limit} changed directories were waiting to be recorded";
            _directories.Clear();
            _inodes.Clear();
        }
    }
}

internal sealed record PendingBatch(
    IReadOnlyDictionary<(Fsid Fsid, FileHandle Handle), DirtyFlags> Directories,
    IReadOnlySet<(Fsid Fsid, FileHandle Handle)> Inodes,
    string? Gap)
{
    public bool IsEmpty => Directories.Count == 0 && Inodes.Count == 0 && Gap is null;
}
