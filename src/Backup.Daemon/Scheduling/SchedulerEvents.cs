using Backup.Daemon.Configuration;
using Backup.Daemon.State;

namespace Backup.Daemon.Scheduling;

/// <summary>A trigger reached the job queue (scheduled, catch-up, manual or device).</summary>
public sealed record JobDue(JobDefinition Job, TriggerKind Trigger, EnqueueOutcome Outcome, DateTimeOffset At);

/// <summary>A trigger did not lead to a run (min_interval, or a missed slot without catch_up). Not a run: no history row.</summary>
public sealed record JobSkipped(JobDefinition Job, TriggerKind Trigger, string Reason, DateTimeOffset At);

/// <summary>
/// No successful backup for longer than overdue_after. <paramref name="Since"/> is the last success, or when the
/// job was first seen if it never succeeded. Raised once; <see cref="JobOverdueCleared"/> follows the next success.
/// </summary>
public sealed record JobOverdue(JobDefinition Job, DateTimeOffset Since, bool NeverSucceeded, DateTimeOffset At);

public sealed record JobOverdueCleared(JobDefinition Job, DateTimeOffset At);

/// <summary>"All is well": the last run succeeded and the job is not overdue. Raised every notify.heartbeat.</summary>
public sealed record JobHeartbeat(JobDefinition Job, DateTimeOffset LastSuccess, DateTimeOffset At);

/// <summary>What <see cref="Scheduler.Trigger"/> did.</summary>
public enum TriggerOutcome
{
    Queued,
    MergedWithQueued,
    MergedWithRunning,

    /// <summary>min_interval: the last success is recent enough.</summary>
    Skipped,
    UnknownJob,
    Stopping,
}

public sealed record TriggerResult(TriggerOutcome Outcome, string? Reason = null);

/// <summary>What the scheduler plans for one job, for status displays.</summary>
/// <param name="NextRun">The next catch-up or scheduled run; null for jobs without a schedule.</param>
/// <param name="OverdueRaised">When the overdue condition was raised; null while the job is not overdue.</param>
public sealed record SchedulerJobStatus(string Job, DateTimeOffset? NextRun, TriggerKind? NextTrigger, DateTimeOffset? OverdueRaised);

public sealed class SchedulerOptions
{
    /// <summary>How long after start-up (or resume) a missed run is caught up: lets the network and drives settle.</summary>
    public TimeSpan CatchUpDelay { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// A planned run this late is "missed" (machine off or suspended) rather than merely late (the daemon
    /// restarted for an upgrade at 01:59:50): a late run simply runs; a missed one is caught up or skipped.
    /// </summary>
    public TimeSpan MissedTolerance { get; init; } = TimeSpan.FromMinutes(5);
}
