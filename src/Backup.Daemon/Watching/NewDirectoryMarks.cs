using Backup.Core.Archiving;
using Backup.Linux.Fanotify;
using Serilog;

namespace Backup.Daemon.Watching;

/// <summary>
/// Ignore marks on directories made since the last cut, so that filling a new directory costs the writer one
/// event instead of several per file (see docs/architecture.md, "Change journal").
/// <para>
/// Safety rests on three rules. A marked directory is recorded as changed (its children) when it is marked, so
/// the next backup lists it and compares every entry with the parent snapshot, which is what the hidden events
/// would have asked for; a hidden change to a hard-linked file reaches the file's other directories through
/// the archiver, which looks up every multiply-linked file it meets. Every cut removes all marks before it
/// drains the queue, and no mark is placed between that and the cut's sequence number, so whatever a mark hid
/// happened before a cut whose window holds the directory. Renames and subdirectories are never hidden
/// (<see cref="ChangeMask.ChildrenOfNewDirectory"/>).
/// </para>
/// Called only with the journal's read lock held.
/// </summary>
internal sealed class NewDirectoryMarks
{
    /// <summary>Each mark holds its directory's inode in kernel memory: past this many between two cuts, new directories are reported as usual.</summary>
    public const int Limit = 8192;

    private static readonly TimeSpan Recent = TimeSpan.FromSeconds(1);

    private readonly FanotifyGroup _group;
    private readonly ILogger _log;
    private string? _unavailable;
    private bool _refused;
    private long _lastPlaced = long.MinValue;

    public NewDirectoryMarks(FanotifyGroup group, ILogger log)
    {
        _group = group;
        _log = log;
    }

    /// <summary>Marks held now.</summary>
    public int Count { get; private set; }

    /// <summary>Whether a mark was placed within the last second: directories are being made, read promptly.</summary>
    public bool PlacedRecently => Environment.TickCount64 - _lastPlaced < (long)Recent.TotalMilliseconds;

    /// <summary>
    /// Marks each created directory and records it as changed. <paramref name="markPathOf"/> gives the mount a
    /// filesystem's handles open through, or null when the filesystem is not watched (any more).
    /// </summary>
    public void Place(IEnumerable<(Fsid Fsid, FileHandle Handle)> created, Func<Fsid, string?> markPathOf, PendingChanges pending)
    {
        if (_unavailable is not null)
        {
            return;
        }

        foreach (var group in created.GroupBy(c => c.Fsid))
        {
            if (markPathOf(group.Key) is not { } markPath)
            {
                continue;
            }

            HandleResolver resolver;
            try
            {
                resolver = new HandleResolver(markPath);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Unmounted meanwhile: the mount watcher deals with that; these directories are reported as usual.
                _log.Debug("change journal: new directories on {Path} not marked: {Error}", markPath, e.Message);
                continue;
            }

            using var owned = resolver;
            foreach (var (fsid, handle) in group)
            {
                if (Count >= Limit || _refused)
                {
                    return;
                }

                using var directory = resolver.OpenDirectory(handle, out _);
                if (directory is null)
                {
                    // Gone again, or not reachable: its events are reported as usual.
                    continue;
                }

                switch (_group.TryIgnore(directory, ChangeMask.ChildrenOfNewDirectory, out var errno))
                {
                    case IgnoreMarkResult.Placed:
                        pending.AddDirectory(fsid, handle, DirtyFlags.Children);
                        Count++;
                        _lastPlaced = Environment.TickCount64;
                        break;
                    case IgnoreMarkResult.Unsupported:
                        _unavailable = "the kernel has no FAN_MARK_IGNORE (Linux 6.0)";
                        _log.Information("change journal: new directories are watched like any other, {Why}", _unavailable);
                        return;
                    default:
                        // Past fs.fanotify.max_user_marks, or no memory: report as usual until the next cut.
                        _log.Debug("change journal: no ignore mark on a new directory (errno {Errno}); events are reported as usual until the next backup", errno);
                        _refused = true;
                        return;
                }
            }
        }
    }

    /// <summary>Removes every mark: from now on changes inside those directories are reported again.</summary>
    /// <exception cref="IOException">The kernel refused.</exception>
    public void RemoveAll()
    {
        if (Count > 0)
        {
            _group.RemoveInodeMarks();
            Count = 0;
        }

        _refused = false;
    }
}
