namespace Backup.Daemon.State;

/// <summary>What started a run.</summary>
public enum TriggerKind
{
    Manual,
    Schedule,
    CatchUp,
    Device,
}

public enum RunResult
{
    Running,
    Success,

    /// <summary>Snapshot saved, some sources unreadable.</summary>
    Partial,
    Failed,
    Cancelled,

    /// <summary>The daemon stopped or died while the run was in progress.</summary>
    Interrupted,
}

/// <summary>One row of job history.</summary>
public sealed record JobRunRecord
{
    /// <summary>The error of a run that ended because the daemon stopped (or died) while it was in progress.</summary>
    public const string InterruptedError = "the daemon stopped while this run was in progress";

    public long Id { get; init; }

    public required string Job { get; init; }

    public required TriggerKind Trigger { get; init; }

    public required DateTimeOffset Started { get; init; }

    public DateTimeOffset? Ended { get; init; }

    public RunResult Result { get; init; } = RunResult.Running;

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
}
