using Backup.Daemon.Configuration;
using Backup.Daemon.State;

namespace Backup.Daemon.Scheduling;

/// <summary>One run handed to the job runner: what to back up, why, and its history row.</summary>
/// <param name="Job">The definition as it was when the run was queued.</param>
/// <param name="Trigger">What queued it (the first trigger when several were merged).</param>
/// <param name="Enqueued">When it was queued.</param>
/// <param name="Started">When it got its slot.</param>
/// <param name="RunId">Its row in the state store's run history.</param>
/// <param name="FullScan">Scan everything even when the change journal could say what changed (backupctl run --full).</param>
public sealed record JobRun(JobDefinition Job, TriggerKind Trigger, DateTimeOffset Enqueued, DateTimeOffset Started, long RunId, bool FullScan = false);

/// <summary>What the job runner reports back; the queue turns it into the run's history row.</summary>
public sealed record JobOutcome
{
    public required RunResult Result { get; init; }

    public string? SnapshotId { get; init; }

    public long FilesNew { get; init; }

    public long FilesChanged { get; init; }

    public long FilesUnmodified { get; init; }

    public long BytesNew { get; init; }

    public long BytesChanged { get; init; }

    public long BytesUnmodified { get; init; }

    public string? Error { get; init; }

    /// <summary>"journal" when only the changed directories were visited, "full" for a whole scan; null before a backup ran.</summary>
    public string? ScanKind { get; init; }

    /// <summary>Why the scan was full (null for a journal scan).</summary>
    public string? ScanReason { get; init; }

    /// <summary>How many directories the backup listed.</summary>
    public long? DirectoriesVisited { get; init; }

    public static JobOutcome Success(string snapshotId) => new() { Result = RunResult.Success, SnapshotId = snapshotId };

    public static JobOutcome Failed(string error) => new() { Result = RunResult.Failed, Error = error };

    public static JobOutcome Cancelled() => new() { Result = RunResult.Cancelled, Error = "cancelled" };
}
