using System.Diagnostics;
using Backup.Core.FileSystem;
using Backup.Core.Model;
using Backup.Core.Repository;
using Backup.Core.Repository.Locking;

namespace Backup.Core.Archiving;

public sealed class BackupRequest
{
    public required ArchiverOptions Archiver { get; init; }

    public string Hostname { get; init; } = Environment.MachineName;

    public IReadOnlyList<string> Tags { get; init; } = Array.Empty<string>();

    /// <summary>A snapshot reference to use as parent; null picks the latest with the same host and paths.</summary>
    public string? Parent { get; init; }

    /// <summary>Read every file even when the parent says it is unchanged; also makes the scan full.</summary>
    public bool Force { get; init; }

    public string ProgramVersion { get; init; } = "backupctl";

    /// <summary>Receives the run's phases (lock, index, parent, scan, flush, snapshot) when given.</summary>
    public PhaseTimer? Timer { get; init; }
}

public sealed class BackupSummary
{
    public required Id SnapshotId { get; init; }

    public required Snapshot Snapshot { get; init; }

    public Id? ParentId { get; init; }

    /// <summary>
    /// Counts as restic reports them, for the parts of the filesystem this run looked at. A journal scan takes
    /// the subtrees the journal saw no change in from the parent without walking them, so their files and
    /// directories are not counted (restic's counters would count them as unmodified).
    /// </summary>
    public required ArchiveStats Stats { get; init; }

    public required IReadOnlyList<string> Warnings { get; init; }

    /// <summary>Whether the change journal narrowed the scan, or why not; and how many directories were listed.</summary>
    public required ScanReport Scan { get; init; }

    public long DataBlobs { get; init; }

    public long TreeBlobs { get; init; }

    public long DataAdded { get; init; }

    public long DataAddedPacked { get; init; }

    public TimeSpan Duration { get; init; }
}

/// <summary>One backup run from start to snapshot: the same code for backupctl and the daemon.</summary>
public static class BackupOperation
{
    public static async Task<BackupSummary> RunAsync(
        Repository.Repository repository,
        IFileSystem fileSystem,
        BackupRequest request,
        Action<Archiver>? started,
        CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var start = GoTime.Now(request.Archiver.TimeZone);
        var timer = request.Timer ?? new PhaseTimer();
        await using var repoLock = await RepositoryLock.AcquireAsync(repository, exclusive: false, cancellationToken).ConfigureAwait(false);
        timer.Mark("lock");
        await repository.LoadIndexAsync(cancellationToken).ConfigureAwait(false);
        timer.Mark("index");

        var paths = Archiver.AbsolutePaths(request.Archiver.Paths);
        foreach (var path in request.Archiver.Paths)
        {
            // Fail early and clearly on a mistyped argument instead of an empty snapshot.
            fileSystem.LStat(Path.GetFullPath(path));
        }

        var plan = request.Archiver.Plan;
        (Id Id, Snapshot Snapshot)? parent = null;
        if (request.Force)
        {
            plan = ScanPlan.Full("forced");
        }
        else if (plan is { IsFull: false, ParentSnapshot: { } changesSince })
        {
            // The journal's changes are relative to that snapshot and no other.
            try
            {
                parent = await SnapshotStore.FindAsync(repository, changesSince, null, null, cancellationToken).ConfigureAwait(false);
                if (!SameExcludes(parent.Value.Snapshot, request.Archiver.Excludes))
                {
                    plan = ScanPlan.Full($"exclude patterns differ from those of parent snapshot {changesSince}");
                }
            }
            catch (SnapshotNotFoundException)
            {
                plan = ScanPlan.Full($"parent snapshot {changesSince} not found");
            }
        }

        if (!request.Force && parent is null)
        {
            parent = request.Parent is { } reference
                ? await SnapshotStore.FindAsync(repository, reference, null, null, cancellationToken).ConfigureAwait(false)
                : await SnapshotStore.FindParentAsync(repository, request.Hostname, paths, cancellationToken).ConfigureAwait(false);
        }

        var options = ReferenceEquals(plan, request.Archiver.Plan) ? request.Archiver : request.Archiver.WithPlan(plan);

        Tree? parentTree = null;
        if (parent is { } p)
        {
            parentTree = await repository.LoadTreeAsync(p.Snapshot.Tree, cancellationToken).ConfigureAwait(false);
        }

        timer.Mark("parent");

        await using var packer = new BlobPacker(repository);
        var archiver = new Archiver(repository, fileSystem, packer, options);
        started?.Invoke(archiver);
        ArchiveResult result;
        try
        {
            result = await archiver.RunAsync(parentTree, cancellationToken).ConfigureAwait(false);
            timer.Mark("scan");
            await packer.FlushAsync(cancellationToken).ConfigureAwait(false);
            timer.Mark("flush");
        }
        catch (OperationCanceledException)
        {
            await packer.SalvageAsync().ConfigureAwait(false);
            throw;
        }

        var end = GoTime.Now(request.Archiver.TimeZone);
        var stats = result.Stats;
        var snapshot = new Snapshot
        {
            Time = start,
            Parent = parent?.Id,
            Tree = result.RootTree,
            Paths = paths,
            Hostname = request.Hostname,
            Username = Environment.UserName,
            Uid = Interop.Libc.GetEuid(),
            Gid = Interop.Libc.GetEgid(),
            Excludes = request.Archiver.Excludes.IsEmpty ? null : request.Archiver.Excludes.Patterns.ToList(),
            Tags = request.Tags.Count == 0 ? null : request.Tags.ToList(),
            ProgramVersion = request.ProgramVersion,
            Summary = new SnapshotSummary
            {
                BackupStart = start,
                BackupEnd = end,
                FilesNew = (ulong)stats.FilesNew,
                FilesChanged = (ulong)stats.FilesChanged,
                FilesUnmodified = (ulong)stats.FilesUnmodified,
                DirsNew = (ulong)stats.DirsNew,
                DirsChanged = (ulong)stats.DirsChanged,
                DirsUnmodified = (ulong)stats.DirsUnmodified,
                DataBlobs = packer.DataBlobsAdded,
                TreeBlobs = packer.TreeBlobsAdded,
                DataAdded = (ulong)packer.BytesAdded,
                DataAddedPacked = (ulong)packer.BytesAddedPacked,
                TotalFilesProcessed = (ulong)stats.TotalFilesProcessed,
                TotalBytesProcessed = (ulong)stats.TotalBytesProcessed,
            },
        };
        var snapshotId = await SnapshotStore.SaveAsync(repository, snapshot, cancellationToken).ConfigureAwait(false);
        timer.Mark("snapshot");
        return new BackupSummary
        {
            SnapshotId = snapshotId,
            Snapshot = snapshot,
            ParentId = parent?.Id,
            Stats = stats,
            Warnings = result.Warnings,
            Scan = result.Scan,
            DataBlobs = packer.DataBlobsAdded,
            TreeBlobs = packer.TreeBlobsAdded,
            DataAdded = packer.BytesAdded,
            DataAddedPacked = packer.BytesAddedPacked,
            Duration = clock.Elapsed,
        };
    }

    private static bool SameExcludes(Snapshot parent, ExcludeFilter excludes) =>
        (parent.Excludes ?? new List<string>()).SequenceEqual(excludes.Patterns, StringComparer.Ordinal);
}
