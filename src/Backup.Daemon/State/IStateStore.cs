namespace Backup.Daemon.State;

/// <summary>
/// Durable daemon state (SQLite, WAL): history, last success, next planned run, notification state,
/// and what the scheduler must remember across restarts. Implementations are safe to call from several tasks.
/// </summary>
public interface IStateStore
{
    /// <summary>Records a run as started and returns its id.</summary>
    long RunStarted(string job, TriggerKind trigger, DateTimeOffset started);

    /// <summary>Records how run <paramref name="runId"/> ended; only the outcome fields of <paramref name="outcome"/> are used.</summary>
    void RunFinished(long runId, JobRunRecord outcome);

    /// <summary>Marks every run still "running" as interrupted (called once at start-up); returns how many.</summary>
    int MarkInterruptedRuns(DateTimeOffset now);

    /// <summary>The newest runs of <paramref name="job"/>, newest first.</summary>
    IReadOnlyList<JobRunRecord> History(string job, int limit);

    /// <summary>The newest run of <paramref name="job"/>, finished or not.</summary>
    JobRunRecord? LastRun(string job);

    /// <summary>
    /// The start of the newest run that saved a snapshot (<see cref="RunResult.Success"/> or <see cref="RunResult.Partial"/>):
    /// the snapshot holds the data as of that time.
    /// </summary>
    DateTimeOffset? LastSuccess(string job);

    DateTimeOffset? NextPlanned(string job);

    void SetNextPlanned(string job, DateTimeOffset? when);

    /// <summary>The condition last notified for (job, channel), so the same condition is not repeated.</summary>
    string? NotifiedCondition(string job, string channel);

    void SetNotifiedCondition(string job, string channel, string? condition, DateTimeOffset when);

    DateTimeOffset? LastNotified(string job, string channel);

    // The members below were added for the scheduler. Their default bodies keep other implementations
    // compiling; those then simply do not remember these facts across restarts.

    /// <summary>When <paramref name="job"/> was first seen by the daemon, recording <paramref name="now"/> if never.</summary>
    DateTimeOffset FirstSeen(string job, DateTimeOffset now) => now;

    /// <summary>When the overdue condition of <paramref name="job"/> was raised, or null when it is not raised.</summary>
    DateTimeOffset? OverdueRaised(string job) => null;

    void SetOverdueRaised(string job, DateTimeOffset? when)
    {
    }

    /// <summary>When the last heartbeat ("all is well") of <paramref name="job"/> was raised.</summary>
    DateTimeOffset? LastHeartbeat(string job) => null;

    void SetLastHeartbeat(string job, DateTimeOffset when)
    {
    }
}
