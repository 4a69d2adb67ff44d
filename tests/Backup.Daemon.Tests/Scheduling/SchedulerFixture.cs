using Backup.Daemon.Configuration;
using Backup.Daemon.Scheduling;
using Backup.Daemon.State;
using Backup.Daemon.Tests.State;

namespace Backup.Daemon.Tests.Scheduling;

/// <summary>
/// A scheduler in Europe/Berlin over a real state.db, a real job queue, a fake clock and a fake runner.
/// <see cref="Restart"/> stops the "daemon" and starts a new one on the same state, as after a reboot.
/// </summary>
public abstract class SchedulerFixture : IAsyncLifetime
{
    /// <summary>Friday 2025-01-10, midnight in Berlin.</summary>
    internal static readonly DateTimeOffset Start = TestJobs.InBerlin(2025, 1, 10, 0);

    private readonly TempDirectory _dir = new();
    private readonly Lock _lock = new();
    private readonly List<object> _events = [];
    private CancellationTokenSource _stop = new();
    private Task _loop = Task.CompletedTask;
    private int _startedSeen;
    private int _finishedSeen;

    protected SchedulerFixture()
    {
        Store = new SqliteStateStore(_dir.StateDb);
        Clock = new FakeClock(Start);
        (Queue, Scheduler) = Create();
    }

    internal SqliteStateStore Store { get; }

    internal FakeClock Clock { get; }

    internal FakeRunner Runner { get; } = new();

    internal JobQueue Queue { get; private set; }

    internal Scheduler Scheduler { get; private set; }

    internal SchedulerOptions Options { get; set; } = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await StopAsync();
        Store.Dispose();
        _dir.Dispose();
    }

    /// <summary>Loads the jobs and starts the scheduler's loop, as the daemon does at start-up.</summary>
    internal void Run(params JobDefinition[] jobs)
    {
        Scheduler.Reload(jobs);
        _stop = new CancellationTokenSource();
        _loop = Scheduler.RunAsync(_stop.Token);
        Settle();
    }

    /// <summary>Reloads the job set; the scheduler has re-planned when this returns.</summary>
    internal void Reload(params JobDefinition[] jobs)
    {
        FakeClock.WithoutSynchronizationContext(() => Scheduler.Reload(jobs));
        Settle();
    }

    /// <summary>Stops the daemon, lets <paramref name="downtime"/> pass, and starts a new one with <paramref name="jobs"/>.</summary>
    internal async Task Restart(TimeSpan downtime, params JobDefinition[] jobs)
    {
        await StopAsync();
        Clock.Now += downtime;
        Store.MarkInterruptedRuns(Clock.Now);
        (Queue, Scheduler) = Create();
        Run(jobs);
        Settle();
    }

    internal IReadOnlyList<T> Events<T>()
    {
        lock (_lock)
        {
            return _events.OfType<T>().ToList();
        }
    }

    internal IReadOnlyList<JobDue> Due(string job) => Events<JobDue>().Where(e => e.Job.Name == job).ToList();

    internal IReadOnlyList<JobRunRecord> Finished(string job) =>
        Store.History(job, 1000).Where(r => r.Result != RunResult.Running).Reverse().ToList();

    /// <summary>
    /// Lets time pass to <paramref name="target"/> one deadline at a time, settling after each: a run the scheduler
    /// queued starts on the thread pool and pokes the scheduler from there, and that must be over before time moves on.
    /// </summary>
    internal void AdvanceTo(DateTimeOffset target)
    {
        Settle();
        while (Clock.NextDeadline is { } next && next <= target)
        {
            Clock.AdvanceTo(next);
            Settle();
        }

        Clock.AdvanceTo(target);
        Settle();
    }

    internal void Advance(TimeSpan by) => AdvanceTo(Clock.Now + by);

    /// <summary>Jumps the clock, as after a suspend: everything due wakes at the new time.</summary>
    internal void Jump(DateTimeOffset to)
    {
        Clock.Now = to;
        Settle();
    }

    /// <summary>Waits until every run the scheduler queued has started and the scheduler has reacted to the start.</summary>
    internal void Settle() =>
        Wait.Until(
            () => Volatile.Read(ref _startedSeen) >= Events<JobDue>().Count(d => d.Outcome == EnqueueOutcome.Queued),
            "queued runs have started");

    /// <summary>Ends the running run of <paramref name="job"/> and waits until the scheduler has seen it end.</summary>
    internal void Finish(string job, JobOutcome outcome)
    {
        var before = Volatile.Read(ref _finishedSeen);
        Runner.Complete(job, outcome);
        Wait.Until(() => Volatile.Read(ref _finishedSeen) > before, $"{job} finishes");
        Settle();
    }

    /// <summary>Builds a new queue and scheduler (for options set after construction); call before <see cref="Run"/>.</summary>
    internal void Recreate()
    {
        Scheduler.Dispose();
        (Queue, Scheduler) = Create();
    }

    internal void Succeed(string job) => Finish(job, JobOutcome.Success("snap"));

    internal void Fail(string job) => Finish(job, JobOutcome.Failed("disk on fire"));

    /// <summary>Runs <paramref name="job"/> now by hand, to the given end.</summary>
    internal void RunNow(string job, bool success = true)
    {
        Assert.Equal(TriggerOutcome.Queued, Scheduler.Trigger(job, TriggerKind.Manual).Outcome);
        Settle();
        if (success)
        {
            Succeed(job);
        }
        else
        {
            Fail(job);
        }
    }

    private (JobQueue, Scheduler) Create()
    {
        var queue = new JobQueue(new GlobalSettings { MaxConcurrentJobs = 4 }, Clock, Store, DelegateDestinationProbe.Always, Runner.RunAsync);
        var scheduler = new Scheduler(Store, Clock, queue, TestJobs.Berlin, Options);
        scheduler.JobDue += Record;
        scheduler.JobSkipped += Record;
        scheduler.Overdue += Record;
        scheduler.OverdueCleared += Record;
        scheduler.Heartbeat += Record;

        // Subscribed after the scheduler's own handlers, so when these run the scheduler has reacted.
        queue.Started += (_, _) => Interlocked.Increment(ref _startedSeen);
        queue.Finished += (_, _) => Interlocked.Increment(ref _finishedSeen);
        return (queue, scheduler);
    }

    private void Record<T>(object? sender, T e)
        where T : notnull
    {
        lock (_lock)
        {
            _events.Add(e);
        }
    }

    private async Task StopAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        Scheduler.Dispose();
        await Queue.StopAsync();
    }
}
