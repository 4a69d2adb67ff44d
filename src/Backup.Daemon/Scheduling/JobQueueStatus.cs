using Backup.Daemon.Configuration;
using Backup.Daemon.State;

namespace Backup.Daemon.Scheduling;

/// <summary>What <see cref="JobQueue.Enqueue"/> did with a trigger.</summary>
public enum EnqueueOutcome
{
    /// <summary>A new run was queued.</summary>
    Queued,

    /// <summary>The job was already queued (or waiting for its destination): that run covers this trigger.</summary>
    MergedWithQueued,

    /// <summary>The job is running: that run covers this trigger.</summary>
    MergedWithRunning,

    /// <summary>The job is running but that run does not cover this trigger (it is being cancelled, or this trigger
    /// asks for a full scan and that run is not one): another run follows it.</summary>
    QueuedAfterRunning,

    /// <summary>The queue is stopping and takes no more runs.</summary>
    Stopping,
}

/// <summary>What <see cref="JobQueue.Cancel"/> did.</summary>
public enum CancelOutcome
{
    /// <summary>The job was neither queued nor running.</summary>
    NotQueued,

    /// <summary>The queued run was removed before it started; it leaves no history.</summary>
    RemovedFromQueue,

    /// <summary>The running run was asked to stop; it ends as <see cref="RunResult.Cancelled"/>.</summary>
    CancellationRequested,
}

public enum JobActivity
{
    Idle,

    /// <summary>Waiting for a free slot, or for another job on the same repository to finish.</summary>
    Queued,

    /// <summary>Its destination is unavailable; re-checked every DestinationPollInterval. Holds no slot.</summary>
    WaitingForDestination,
    Running,
}

/// <summary>One job's place in the queue.</summary>
/// <param name="Since">When it was queued; for a running job, when it started.</param>
/// <param name="RunId">The history row of a running job.</param>
public sealed record JobQueueStatus(string Job, JobActivity Activity, TriggerKind? Trigger, DateTimeOffset? Since, long? RunId)
{
    public static JobQueueStatus Idle(string job) => new(job, JobActivity.Idle, null, null, null);
}

/// <summary>A run got its slot, was recorded in the history, and is about to be handed to the runner.</summary>
public sealed record JobRunStarted(JobRun Run);

/// <summary>A run ended and its history row is written (unless <paramref name="StoreError"/> says why not).</summary>
public sealed record JobRunFinished(JobRun Run, JobRunRecord Record, string? StoreError)
{
    public JobDefinition Job => Run.Job;
}
