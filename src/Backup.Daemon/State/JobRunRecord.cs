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
}

/// <summary>Durable daemon state (SQLite, WAL): history, last success, next planned run, notification state.</summary>
public interface IStateStore
{
    /// <summary>Records a run as started and returns its id.</summary>
    long RunStarted(string job, TriggerKind trigger, DateTimeOffset started);

    void RunFinished(long runId, JobRunRecord outcome);

    /// <summary>Marks every run still "running" as interrupted (called once at start-up); returns how many.</summary>
    int MarkInterruptedRuns(DateTimeOffset now);

    IReadOnlyList<JobRunRecord> History(string job, int limit);

    JobRunRecord? LastRun(string job);

    DateTimeOffset? LastSuccess(string job);

    DateTimeOffset? NextPlanned(string job);

    void SetNextPlanned(string job, DateTimeOffset? when);

    /// <summary>The condition last notified for (job, channel), so the same condition is not repeated.</summary>
    string? NotifiedCondition(string job, string channel);

    void SetNotifiedCondition(string job, string channel, string? condition, DateTimeOffset when);

    DateTimeOffset? LastNotified(string job, string channel);
}
