using Backup.Daemon.Configuration;
using Backup.Daemon.State;

namespace Backup.Daemon.Scheduling;

/// <summary>
/// Runs triggered jobs: at most <see cref="GlobalSettings.MaxConcurrentJobs"/> at once and never two on the
/// same repository. A second trigger for a queued or running job is merged into that run. A job whose
/// destination is unavailable waits without a slot and is probed again every
/// <see cref="GlobalSettings.DestinationPollInterval"/>; runnable jobs start in the order they were queued,
/// so one that waited for its drive goes before jobs queued after it.
/// Every run gets a row in the state store's history before the runner sees it.
/// </summary>
public sealed class JobQueue : IAsyncDisposable
{
    private readonly Lock _lock = new();
    private readonly IClock _clock;
    private readonly IStateStore _store;
    private readonly IDestinationProbe _probe;
    private readonly Func<JobRun, CancellationToken, Task<JobOutcome>> _runner;

    // Queued and running entries by job name; a job has at most one.
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly HashSet<string> _busyRepositories = new(StringComparer.Ordinal);
    private GlobalSettings _settings;
    private long _sequence;
    private int _running;
    private bool _stopping;

    public JobQueue(
        GlobalSettings settings,
        IClock clock,
        IStateStore store,
        IDestinationProbe probe,
        Func<JobRun, CancellationToken, Task<JobOutcome>> runner)
    {
        _settings = settings;
        _clock = clock;
        _store = store;
        _probe = probe;
        _runner = runner;
    }

    /// <summary>
    /// A run got its slot and its history row. Handlers run on the queue's threads, must not block, and
    /// an exception from one is dropped: a failing log or notification must not wedge the queue.
    /// </summary>
    public event EventHandler<JobRunStarted>? Started;

    /// <summary>A run ended and its history row is written. Same rules as <see cref="Started"/>.</summary>
    public event EventHandler<JobRunFinished>? Finished;

    /// <summary>Applies new global settings (slot count, poll interval) from a configuration reload.</summary>
    public void UpdateSettings(GlobalSettings settings)
    {
        List<Entry> start;
        lock (_lock)
        {
            _settings = settings;
            start = DispatchLocked();
        }

        StartRuns(start);
    }

    /// <summary>Queues a run of <paramref name="job"/>, or merges the trigger into its queued or running run.</summary>
    /// <remarks>
    /// <paramref name="fullScan"/> asks for a scan of everything instead of the change journal's list; merged into a
    /// queued run it makes that run full. A running run covers the trigger unless it is being cancelled, or a full
    /// scan is asked for and it is not one: then another run follows it.
    /// </remarks>
    public EnqueueOutcome Enqueue(JobDefinition job, TriggerKind trigger, bool fullScan = false) =>
        Enqueue(job, trigger, fullScan, out _);

    /// <param name="covering">Completes with the record of the run that covers this trigger; cancelled when that run
    /// never happens (removed from the queue, or the daemon stops first).</param>
    public EnqueueOutcome Enqueue(JobDefinition job, TriggerKind trigger, bool fullScan, out Task<JobRunRecord> covering)
    {
        ArgumentNullException.ThrowIfNull(job);
        Entry entry;
        lock (_lock)
        {
            if (_stopping)
            {
                covering = Task.FromCanceled<JobRunRecord>(new CancellationToken(canceled: true));
                return EnqueueOutcome.Stopping;
            }

            if (_entries.TryGetValue(job.Name, out var existing))
            {
                if (existing.State == EntryState.Running && (existing.Run.IsCancellationRequested || (fullScan && !existing.FullScan)))
                {
                    // The running run will not cover this trigger: run again once it has ended.
                    existing.FollowUp ??= new FollowUp(trigger);
                    existing.FollowUp.FullScan |= fullScan;
                    covering = existing.FollowUp.Record.Task;
                    return EnqueueOutcome.QueuedAfterRunning;
                }

                if (existing.State != EntryState.Running)
                {
                    existing.FullScan |= fullScan;
                }

                covering = existing.Record.Task;
                return existing.State == EntryState.Running ? EnqueueOutcome.MergedWithRunning : EnqueueOutcome.MergedWithQueued;
            }

            entry = AddEntryLocked(job, RepositoryKey.Normalize(job.Repository), trigger, fullScan);
            covering = entry.Record.Task;
        }

        // The first probe runs here, synchronously: when Enqueue returns, the job is already queued,
        // waiting for its destination, or running.
        _ = WatchDestinationAsync(entry);
        return EnqueueOutcome.Queued;
    }

    /// <summary>Removes a queued run, or asks a running one to stop.</summary>
    public CancelOutcome Cancel(string job)
    {
        CancellationTokenSource toCancel;
        CancelOutcome outcome;
        TaskCompletionSource<JobRunRecord>? removed = null;
        lock (_lock)
        {
            if (!_entries.TryGetValue(job, out var entry))
            {
                return CancelOutcome.NotQueued;
            }

            if (entry.State == EntryState.Running)
            {
                toCancel = entry.Run;
                outcome = CancelOutcome.CancellationRequested;
            }
            else
            {
                _entries.Remove(job);
                toCancel = entry.Queued;
                outcome = CancelOutcome.RemovedFromQueue;
                removed = entry.Record;
            }
        }

        // Cancelling runs callbacks inline; never do that under the lock.
        toCancel.Cancel();
        removed?.TrySetCanceled();
        return outcome;
    }

    public JobQueueStatus Status(string job)
    {
        lock (_lock)
        {
            return _entries.TryGetValue(job, out var entry) ? StatusLocked(entry) : JobQueueStatus.Idle(job);
        }
    }

    /// <summary>Every queued and running job, in queue order.</summary>
    public IReadOnlyList<JobQueueStatus> StatusAll()
    {
        lock (_lock)
        {
            return _entries.Values.OrderBy(e => e.Sequence).Select(StatusLocked).ToList();
        }
    }

    /// <summary>
    /// Drops queued runs, cancels running ones and waits for them to end. Runs stopped this way are recorded
    /// as <see cref="RunResult.Interrupted"/>: the user did not cancel them, the daemon went away.
    /// </summary>
    public async Task StopAsync()
    {
        var cancel = new List<CancellationTokenSource>();
        var wait = new List<Task>();
        var dropped = new List<TaskCompletionSource<JobRunRecord>>();
        lock (_lock)
        {
            _stopping = true;
            foreach (var entry in _entries.Values.ToList())
            {
                if (entry.State == EntryState.Running)
                {
                    cancel.Add(entry.Run);
                    wait.Add(entry.Done.Task);
                }
                else
                {
                    _entries.Remove(entry.Job.Name);
                    cancel.Add(entry.Queued);
                    dropped.Add(entry.Record);
                }
            }
        }

        foreach (var source in cancel)
        {
            source.Cancel();
        }

        foreach (var record in dropped)
        {
            record.TrySetCanceled();
        }

        await Task.WhenAll(wait).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync() => await StopAsync().ConfigureAwait(false);

    /// <summary>Probes the destination of a queued entry until the entry starts or leaves the queue.</summary>
    private async Task WatchDestinationAsync(Entry entry)
    {
        try
        {
            while (true)
            {
                var available = IsAvailable(entry.Job);
                List<Entry> start;
                TimeSpan poll;
                lock (_lock)
                {
                    if (!IsQueuedLocked(entry))
                    {
                        return;
                    }

                    entry.State = available ? EntryState.Ready : EntryState.WaitingForDestination;
                    start = DispatchLocked();
                    poll = _settings.DestinationPollInterval;
                }

                StartRuns(start);

                // A ready entry keeps being probed too, so one that lost its drive while waiting for a slot
                // stops competing for slots within one poll interval.
                await _clock.DelayUntilAsync(_clock.Now + poll, entry.Queued.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (entry.Queued.IsCancellationRequested)
        {
            // Started, cancelled or stopped: the run (if any) is in other hands now.
        }
    }

    private bool IsAvailable(JobDefinition job)
    {
        try
        {
            return _probe.IsAvailable(job);
        }
        catch (Exception)
        {
            // A probe that fails cannot vouch for the destination; ask again next time.
            return false;
        }
    }

    /// <summary>Picks the runs to start now: ready entries in queue order, within the slot limit, one per repository.</summary>
    private List<Entry> DispatchLocked()
    {
        var start = new List<Entry>();
        if (_stopping)
        {
            return start;
        }

        var slots = Math.Max(1, _settings.MaxConcurrentJobs);
        foreach (var entry in _entries.Values.Where(e => e.State == EntryState.Ready).OrderBy(e => e.Sequence))
        {
            if (_running >= slots)
            {
                break;
            }

            if (!_busyRepositories.Add(entry.RepositoryKey))
            {
                // Its repository is in use; later jobs on other repositories may still start.
                continue;
            }

            entry.State = EntryState.Running;
            entry.Started = _clock.Now;
            _running++;
            start.Add(entry);
        }

        return start;
    }

    private void StartRuns(List<Entry> start)
    {
        foreach (var entry in start)
        {
            entry.Queued.Cancel();
            _ = Task.Run(() => RunAsync(entry));
        }
    }

    private async Task RunAsync(Entry entry)
    {
        var started = entry.Started!.Value;
        var run = new JobRun(entry.Job, entry.Trigger, entry.Enqueued, started, 0, entry.FullScan);
        JobOutcome outcome;
        string? storeError = null;
        try
        {
            run = run with { RunId = _store.RunStarted(entry.Job.Name, entry.Trigger, started) };
        }
        catch (Exception e)
        {
            // Every run must have a history row: a store that cannot write is a broken daemon, not a detail.
            storeError = $"could not record the run in the state database: {e.Message}";
        }

        if (storeError is not null)
        {
            outcome = JobOutcome.Failed(storeError);
        }
        else
        {
            lock (_lock)
            {
                entry.RunId = run.RunId;
            }

            Raise(Started, new JobRunStarted(run));
            outcome = await InvokeRunnerAsync(run, entry.Run.Token).ConfigureAwait(false);
        }

        bool stopping;
        lock (_lock)
        {
            stopping = _stopping;
        }

        if (entry.Run.IsCancellationRequested && outcome.Result == RunResult.Cancelled && stopping)
        {
            outcome = outcome with { Result = RunResult.Interrupted, Error = JobRunRecord.InterruptedError };
        }

        var record = new JobRunRecord
        {
            Id = run.RunId,
            Job = entry.Job.Name,
            Trigger = entry.Trigger,
            Started = started,
            Ended = _clock.Now,
            Result = outcome.Result,
            SnapshotId = outcome.SnapshotId,
            FilesNew = outcome.FilesNew,
            FilesChanged = outcome.FilesChanged,
            FilesUnmodified = outcome.FilesUnmodified,
            BytesNew = outcome.BytesNew,
            BytesChanged = outcome.BytesChanged,
            BytesUnmodified = outcome.BytesUnmodified,
            Error = outcome.Error,
            ScanKind = outcome.ScanKind,
            ScanReason = outcome.ScanReason,
            DirectoriesVisited = outcome.DirectoriesVisited,
        };

        if (storeError is null)
        {
            try
            {
                _store.RunFinished(run.RunId, record);
            }
            catch (Exception e)
            {
                // The row stays "running" and becomes "interrupted" at the next start; the event still tells the truth.
                storeError = $"could not record the end of the run in the state database: {e.Message}";
            }
        }

        List<Entry> next;
        Entry? followUpEntry = null;
        lock (_lock)
        {
            _entries.Remove(entry.Job.Name);
            _busyRepositories.Remove(entry.RepositoryKey);
            _running--;
            // The run that follows takes this one's place in the same step, so the job never looks idle in between.
            if (entry.FollowUp is { } followUp && !_stopping)
            {
                followUpEntry = AddEntryLocked(entry.Job, entry.RepositoryKey, followUp.Trigger, followUp.FullScan, followUp.Record);
            }

            next = DispatchLocked();
        }

        StartRuns(next);
        Raise(Finished, new JobRunFinished(run, record, storeError));
        entry.Record.TrySetResult(record);
        if (followUpEntry is not null)
        {
            _ = WatchDestinationAsync(followUpEntry);
        }
        else
        {
            entry.FollowUp?.Record.TrySetCanceled();
        }

        entry.Done.TrySetResult();
    }

    private async Task<JobOutcome> InvokeRunnerAsync(JobRun run, CancellationToken cancellationToken)
    {
        try
        {
            var outcome = await _runner(run, cancellationToken).ConfigureAwait(false);
            return outcome.Result == RunResult.Running
                ? outcome with { Result = RunResult.Failed, Error = outcome.Error ?? "the job runner returned no result" }
                : outcome;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return JobOutcome.Cancelled();
        }
        catch (Exception e)
        {
            return JobOutcome.Failed(e.Message);
        }
    }

    private void Raise<T>(EventHandler<T>? handlers, T args)
    {
        if (handlers is null)
        {
            return;
        }

        foreach (var handler in handlers.GetInvocationList().Cast<EventHandler<T>>())
        {
            try
            {
                handler(this, args);
            }
            catch (Exception)
            {
                // See Started: handlers log for themselves; the queue's bookkeeping is already complete.
            }
        }
    }

    /// <summary>Queues a new entry (its destination probe is the caller's to start, outside the lock).</summary>
    private Entry AddEntryLocked(
        JobDefinition job,
        string repositoryKey,
        TriggerKind trigger,
        bool fullScan,
        TaskCompletionSource<JobRunRecord>? record = null)
    {
        var entry = new Entry(job, repositoryKey, trigger, _clock.Now, ++_sequence, record) { FullScan = fullScan };
        _entries.Add(job.Name, entry);
        return entry;
    }

    private bool IsQueuedLocked(Entry entry) =>
        entry.State != EntryState.Running && _entries.TryGetValue(entry.Job.Name, out var current) && ReferenceEquals(current, entry);

    private static JobQueueStatus StatusLocked(Entry entry) => entry.State switch
    {
        EntryState.Running => new JobQueueStatus(entry.Job.Name, JobActivity.Running, entry.Trigger, entry.Started, entry.RunId),
        EntryState.WaitingForDestination => new JobQueueStatus(entry.Job.Name, JobActivity.WaitingForDestination, entry.Trigger, entry.Enqueued, null),
        _ => new JobQueueStatus(entry.Job.Name, JobActivity.Queued, entry.Trigger, entry.Enqueued, null),
    };

    private enum EntryState
    {
        /// <summary>Queued, first probe not answered yet.</summary>
        Probing,
        Ready,
        WaitingForDestination,
        Running,
    }

    private sealed class Entry(
        JobDefinition job,
        string repositoryKey,
        TriggerKind trigger,
        DateTimeOffset enqueued,
        long sequence,
        TaskCompletionSource<JobRunRecord>? record = null)
    {
        public JobDefinition Job { get; } = job;

        public string RepositoryKey { get; } = repositoryKey;

        public TriggerKind Trigger { get; } = trigger;

        public DateTimeOffset Enqueued { get; } = enqueued;

        /// <summary>Queue order: runnable entries start lowest first.</summary>
        public long Sequence { get; } = sequence;

        public EntryState State { get; set; } = EntryState.Probing;

        public DateTimeOffset? Started { get; set; }

        public long? RunId { get; set; }

        /// <summary>Scan everything instead of asking the change journal.</summary>
        public bool FullScan { get; set; }

        /// <summary>A trigger this run does not cover (it arrived while the run was being cancelled, or asks for a full
        /// scan this run is not doing); queued anew when it ends.</summary>
        public FollowUp? FollowUp { get; set; }

        /// <summary>This run's record, for the triggers it covers (a follow-up run answers those its predecessor gave it).</summary>
        public TaskCompletionSource<JobRunRecord> Record { get; } = record ?? new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>Ends the destination watch: cancelled when the entry starts or leaves the queue.</summary>
        public CancellationTokenSource Queued { get; } = new();

        /// <summary>Handed to the runner.</summary>
        public CancellationTokenSource Run { get; } = new();

        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private sealed class FollowUp(TriggerKind trigger)
    {
        public TriggerKind Trigger { get; } = trigger;

        public bool FullScan { get; set; }

        public TaskCompletionSource<JobRunRecord> Record { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
