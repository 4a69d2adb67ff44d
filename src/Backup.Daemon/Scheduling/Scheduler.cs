using System.Globalization;
using Backup.Daemon.Configuration;
using Backup.Daemon.State;

namespace Backup.Daemon.Scheduling;

/// <summary>
/// Turns schedules into queued runs and watches each job's health.
/// <list type="bullet">
/// <item>Calendar schedules are wall-clock times in the local zone; interval schedules count from the last run's start.</item>
/// <item>The next planned run is persisted. One found in the past at start-up was missed while the machine was off:
/// with catch_up it runs <see cref="SchedulerOptions.CatchUpDelay"/> after start, without it the job waits for its next slot.</item>
/// <item>min_interval skips scheduled, catch-up and device triggers while the last success is that recent; manual runs always run.</item>
/// <item>overdue_after raises <see cref="Overdue"/> once, and <see cref="OverdueCleared"/> after the next success.</item>
/// <item>notify.heartbeat raises <see cref="Heartbeat"/> that often while the last run succeeded and the job is not overdue.</item>
/// </list>
/// All times come from <see cref="IClock"/>. Event handlers run on the scheduler's and the queue's threads, must
/// not block, and an exception from one is dropped so that it cannot stop the scheduling of every job.
/// </summary>
public sealed class Scheduler : IDisposable
{
    private readonly Lock _lock = new();
    private readonly IStateStore _store;
    private readonly IClock _clock;
    private readonly JobQueue _queue;
    private readonly TimeZoneInfo _zone;
    private readonly SchedulerOptions _options;
    private readonly Dictionary<string, ScheduledJob> _jobs = new(StringComparer.Ordinal);

    // The loop's current wait; cancelled to make it look at the jobs again.
    private CancellationTokenSource? _wait;

    public Scheduler(IStateStore store, IClock clock, JobQueue queue, TimeZoneInfo zone, SchedulerOptions? options = null)
    {
        _store = store;
        _clock = clock;
        _queue = queue;
        _zone = zone;
        _options = options ?? new SchedulerOptions();
        _queue.Started += OnRunStarted;
        _queue.Finished += OnRunFinished;
    }

    public event EventHandler<JobDue>? JobDue;

    public event EventHandler<JobSkipped>? JobSkipped;

    public event EventHandler<JobOverdue>? Overdue;

    public event EventHandler<JobOverdueCleared>? OverdueCleared;

    public event EventHandler<JobHeartbeat>? Heartbeat;

    /// <summary>
    /// Replaces the job set (also the first load at start-up). Jobs seen before keep their state, and their
    /// next run unless their schedule changed; new jobs start from their persisted state, which is where
    /// missed runs are found. Removed jobs lose their next run but keep their history.
    /// </summary>
    public void Reload(IEnumerable<JobDefinition> jobs)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        var actions = new List<Action>();
        lock (_lock)
        {
            var now = _clock.Now;
            var incoming = jobs.ToDictionary(j => j.Name, StringComparer.Ordinal);
            foreach (var removed in _jobs.Keys.Where(name => !incoming.ContainsKey(name)).ToList())
            {
                _jobs.Remove(removed);
                _store.SetNextPlanned(removed, null);
            }

            foreach (var job in incoming.Values)
            {
                if (_jobs.TryGetValue(job.Name, out var known))
                {
                    Update(known, job, now);
                }
                else
                {
                    _jobs.Add(job.Name, Admit(job, now, actions));
                }
            }
        }

        Perform(actions);
        Poke();
    }

    /// <summary>Triggers a run from outside the schedule (backupctl, D-Bus, a plugged-in drive).</summary>
    public TriggerResult Trigger(string job, TriggerKind trigger)
    {
        JobDefinition? definition;
        lock (_lock)
        {
            definition = _jobs.TryGetValue(job, out var known) ? known.Definition : null;
        }

        return definition is null
            ? new TriggerResult(TriggerOutcome.UnknownJob, $"there is no job \"{job}\"")
            : Fire(definition, trigger, _clock.Now);
    }

    public SchedulerJobStatus? Status(string job)
    {
        lock (_lock)
        {
            return _jobs.TryGetValue(job, out var known) ? StatusLocked(known) : null;
        }
    }

    public IReadOnlyList<SchedulerJobStatus> StatusAll()
    {
        lock (_lock)
        {
            return _jobs.Values.OrderBy(j => j.Definition.Name, StringComparer.Ordinal).Select(StatusLocked).ToList();
        }
    }

    /// <summary>
    /// Runs until <paramref name="cancellationToken"/> is cancelled: waits for the next due moment, acts, repeats.
    /// It faults only if the state store fails, which the daemon should treat as fatal.
    /// </summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var stopping = cancellationToken.Register(Poke);
        while (!cancellationToken.IsCancellationRequested)
        {
            var actions = new List<Action>();
            DateTimeOffset? wake;
            var wait = new CancellationTokenSource();
            lock (_lock)
            {
                var now = _clock.Now;
                foreach (var job in _jobs.Values)
                {
                    ProcessLocked(job, now, actions);
                }

                wake = NextWakeLocked();

                // Set in the same lock as the evaluation: any change after it cancels this very wait.
                // A stop that came before it is seen here; one that comes after pokes this wait.
                _wait = wait;
                if (cancellationToken.IsCancellationRequested)
                {
                    return;
                }
            }

            Perform(actions);
            try
            {
                // Nothing planned: wait for a poke, still through the clock so that all waiting is in one place.
                await _clock.DelayUntilAsync(wake ?? DateTimeOffset.MaxValue, wait.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (wait.IsCancellationRequested)
            {
                // Poked: something changed, look again.
            }
        }
    }

    /// <summary>Detaches from the queue's events. Stop <see cref="RunAsync"/> with its token.</summary>
    public void Dispose()
    {
        _queue.Started -= OnRunStarted;
        _queue.Finished -= OnRunFinished;
        Poke();
    }

    private ScheduledJob Admit(JobDefinition job, DateTimeOffset now, List<Action> actions)
    {
        var known = new ScheduledJob(job)
        {
            FirstSeen = _store.FirstSeen(job.Name, now),
            OverdueRaised = _store.OverdueRaised(job.Name),
            LastHeartbeat = _store.LastHeartbeat(job.Name),
        };

        var persisted = _store.NextPlanned(job.Name);
        if (job.Schedule is not { } schedule)
        {
            if (persisted is not null)
            {
                _store.SetNextPlanned(job.Name, null);
            }

            return known;
        }

        var lastStart = _store.LastRun(job.Name)?.Started;
        if (persisted is { } missed && now - missed > _options.MissedTolerance)
        {
            known.NextPlanned = NextFutureSlot(schedule, lastStart ?? missed, now);
            Missed(known, missed, now, actions, "while backupd was not running");
        }
        else if (persisted is { } late && late <= now)
        {
            // Only just late (a quick restart): it runs now, as scheduled.
            known.NextPlanned = late;
        }
        else
        {
            // A future plan is recomputed: the schedule may have been edited while the daemon was stopped.
            known.NextPlanned = schedule.NextAfter(now, lastStart, _zone);
            PersistNextLocked(known);
        }

        return known;
    }

    private void Update(ScheduledJob known, JobDefinition job, DateTimeOffset now)
    {
        var scheduleChanged = !string.Equals(known.Definition.Schedule?.Text, job.Schedule?.Text, StringComparison.OrdinalIgnoreCase);
        known.Definition = job;
        if (!job.CatchUp || job.Schedule is null)
        {
            known.CatchUpAt = null;
        }

        if (scheduleChanged)
        {
            known.NextPlanned = job.Schedule?.NextAfter(now, _store.LastRun(job.Name)?.Started, _zone);
            PersistNextLocked(known);
        }
    }

    /// <summary>Fires what is due for one job and updates its overdue and heartbeat state.</summary>
    private void ProcessLocked(ScheduledJob known, DateTimeOffset now, List<Action> actions)
    {
        var job = known.Definition;
        if (known.CatchUpAt is { } catchUp && catchUp <= now)
        {
            known.CatchUpAt = null;
            PersistNextLocked(known);
            actions.Add(() => Fire(job, TriggerKind.CatchUp, now));
        }

        if (known.NextPlanned is { } planned && planned <= now && job.Schedule is { } schedule)
        {
            // The next slot counts from now, so a late wake-up fires once, not once per slot it slept through.
            // Interval runs are re-planned from their real start when the queue starts them.
            known.NextPlanned = schedule.Kind == ScheduleKind.Interval ? now + schedule.Interval : schedule.NextAfter(now, null, _zone);
            if (now - planned > _options.MissedTolerance)
            {
                // The daemon ran but the machine did not: suspended, or the clock jumped.
                Missed(known, planned, now, actions, "while the machine was suspended");
            }
            else
            {
                PersistNextLocked(known);
                actions.Add(() => Fire(job, TriggerKind.Schedule, now));
            }
        }

        EvaluateOverdueLocked(known, now, actions);
        EvaluateHeartbeatLocked(known, now, actions);
    }

    /// <summary>A planned run did not happen in time: catch it up soon, or skip it and say so.</summary>
    private void Missed(ScheduledJob known, DateTimeOffset missed, DateTimeOffset now, List<Action> actions, string why)
    {
        var job = known.Definition;
        if (job.CatchUp)
        {
            // The persisted plan keeps the missed time until the catch-up is queued, so a restart in between still catches up.
            known.CatchUpAt ??= now + _options.CatchUpDelay;
            return;
        }

        PersistNextLocked(known);
        var reason = $"missed the run planned for {Local(missed)} {why}; catch_up is off, next run {Local(known.NextPlanned!.Value)}";
        actions.Add(() => Raise(JobSkipped, new JobSkipped(job, TriggerKind.Schedule, reason, now)));
    }

    private void EvaluateOverdueLocked(ScheduledJob known, DateTimeOffset now, List<Action> actions)
    {
        var job = known.Definition;
        var lastSuccess = _store.LastSuccess(job.Name);
        var since = lastSuccess ?? known.FirstSeen;
        var overdue = job.OverdueAfter is { } limit && now - since >= limit;
        if (overdue && known.OverdueRaised is null)
        {
            known.OverdueRaised = now;
            _store.SetOverdueRaised(job.Name, now);
            actions.Add(() => Raise(Overdue, new JobOverdue(job, since, lastSuccess is null, now)));
        }
        else if (!overdue && known.OverdueRaised is not null)
        {
            known.OverdueRaised = null;
            _store.SetOverdueRaised(job.Name, null);
            actions.Add(() => Raise(OverdueCleared, new JobOverdueCleared(job, now)));
        }
    }

    private void EvaluateHeartbeatLocked(ScheduledJob known, DateTimeOffset now, List<Action> actions)
    {
        var job = known.Definition;
        if (HeartbeatDueLocked(known) is not { } due || due > now)
        {
            return;
        }

        known.LastHeartbeat = now;
        _store.SetLastHeartbeat(job.Name, now);
        var lastSuccess = _store.LastSuccess(job.Name) ?? now;
        actions.Add(() => Raise(Heartbeat, new JobHeartbeat(job, lastSuccess, now)));
    }

    /// <summary>When the next heartbeat is due, or null while there is none to send (not configured, or not all well).</summary>
    private DateTimeOffset? HeartbeatDueLocked(ScheduledJob known)
    {
        var job = known.Definition;
        if (job.Notify.Heartbeat is not { } every || known.OverdueRaised is not null)
        {
            return null;
        }

        // "All is well" needs the last finished run to have succeeded; a partial run is a problem the user hears about.
        var lastFinished = _store.History(job.Name, 2).FirstOrDefault(r => r.Result != RunResult.Running);
        if (lastFinished?.Result != RunResult.Success)
        {
            return null;
        }

        return (known.LastHeartbeat ?? known.FirstSeen) + every;
    }

    private DateTimeOffset? NextWakeLocked()
    {
        DateTimeOffset? wake = null;
        foreach (var known in _jobs.Values)
        {
            wake = Earliest(wake, known.CatchUpAt);
            wake = Earliest(wake, known.NextPlanned);
            if (known.Definition.OverdueAfter is { } limit && known.OverdueRaised is null)
            {
                wake = Earliest(wake, (_store.LastSuccess(known.Definition.Name) ?? known.FirstSeen) + limit);
            }

            // A heartbeat held back because not all is well is looked at again when a run finishes.
            wake = Earliest(wake, HeartbeatDueLocked(known));
        }

        return wake;
    }

    /// <summary>Applies min_interval and queues the run. Called outside the lock: it runs the queue's destination probe.</summary>
    private TriggerResult Fire(JobDefinition job, TriggerKind trigger, DateTimeOffset now)
    {
        if (trigger != TriggerKind.Manual && job.MinInterval is { } minInterval && _store.LastSuccess(job.Name) is { } lastSuccess
            && now - lastSuccess < minInterval)
        {
            var reason = $"the last successful backup started {Local(lastSuccess)}, less than min_interval {Duration.Format(minInterval)} ago";
            Raise(JobSkipped, new JobSkipped(job, trigger, reason, now));
            return new TriggerResult(TriggerOutcome.Skipped, reason);
        }

        var outcome = _queue.Enqueue(job, trigger);
        if (outcome == EnqueueOutcome.Stopping)
        {
            return new TriggerResult(TriggerOutcome.Stopping, "backupd is stopping");
        }

        Raise(JobDue, new JobDue(job, trigger, outcome, now));
        return new TriggerResult(outcome switch
        {
            EnqueueOutcome.Queued or EnqueueOutcome.QueuedAfterRunning => TriggerOutcome.Queued,
            EnqueueOutcome.MergedWithQueued => TriggerOutcome.MergedWithQueued,
            _ => TriggerOutcome.MergedWithRunning,
        });
    }

    private void OnRunStarted(object? sender, JobRunStarted e)
    {
        lock (_lock)
        {
            // "every 6h" means six hours after the previous run started, whatever started it.
            if (_jobs.TryGetValue(e.Run.Job.Name, out var known) && known.Definition.Schedule is { Kind: ScheduleKind.Interval } schedule)
            {
                known.NextPlanned = e.Run.Started + schedule.Interval;
                PersistNextLocked(known);
            }
        }

        Poke();
    }

    // A finished run can clear an overdue condition or allow a heartbeat: let the loop look again.
    private void OnRunFinished(object? sender, JobRunFinished e) => Poke();

    private void Poke()
    {
        CancellationTokenSource? wait;
        lock (_lock)
        {
            wait = _wait;
            _wait = null;
        }

        // Outside the lock: cancelling may run the loop's continuation right here.
        wait?.Cancel();
    }

    private void PersistNextLocked(ScheduledJob known)
    {
        // While a catch-up is pending the persisted plan stays at the missed run, so a restart still catches it up.
        if (known.CatchUpAt is null)
        {
            _store.SetNextPlanned(known.Definition.Name, known.NextPlanned);
        }
    }

    /// <summary>The first slot after <paramref name="now"/>; interval slots continue the rhythm of <paramref name="anchor"/>.</summary>
    private DateTimeOffset NextFutureSlot(Schedule schedule, DateTimeOffset anchor, DateTimeOffset now)
    {
        if (schedule.Kind != ScheduleKind.Interval)
        {
            return schedule.NextAfter(now, null, _zone);
        }

        if (anchor > now)
        {
            return anchor;
        }

        var periods = (now - anchor).Ticks / schedule.Interval.Ticks + 1;
        return anchor + TimeSpan.FromTicks(schedule.Interval.Ticks * periods);
    }

    private SchedulerJobStatus StatusLocked(ScheduledJob known)
    {
        var catchUpFirst = known.CatchUpAt is { } c && (known.NextPlanned is not { } p || c <= p);
        return catchUpFirst
            ? new SchedulerJobStatus(known.Definition.Name, known.CatchUpAt, TriggerKind.CatchUp, known.OverdueRaised)
            : new SchedulerJobStatus(known.Definition.Name, known.NextPlanned, known.NextPlanned is null ? null : TriggerKind.Schedule, known.OverdueRaised);
    }

    private string Local(DateTimeOffset time) =>
        TimeZoneInfo.ConvertTime(time, _zone).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);

    private static DateTimeOffset? Earliest(DateTimeOffset? a, DateTimeOffset? b) =>
        a is null ? b : b is null ? a : (a < b ? a : b);

    private static void Perform(List<Action> actions)
    {
        foreach (var action in actions)
        {
            action();
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
                // See the class comment: a failing handler must not stop the scheduling of every job.
            }
        }
    }

    /// <summary>The scheduler's view of one job; persisted parts are mirrored in the state store.</summary>
    private sealed class ScheduledJob(JobDefinition definition)
    {
        public JobDefinition Definition { get; set; } = definition;

        public DateTimeOffset FirstSeen { get; init; }

        public DateTimeOffset? NextPlanned { get; set; }

        /// <summary>A missed run to catch up at this time (in memory; the persisted plan keeps the missed time).</summary>
        public DateTimeOffset? CatchUpAt { get; set; }

        public DateTimeOffset? OverdueRaised { get; set; }

        public DateTimeOffset? LastHeartbeat { get; set; }
    }
}
