using System.Collections.Concurrent;
using Backup.Daemon.Configuration;
using Backup.Daemon.Scheduling;
using Backup.Daemon.State;
using Backup.Daemon.Tests.State;

namespace Backup.Daemon.Tests.Scheduling;

/// <summary>A job queue over a real state.db, a fake clock, a fake runner and switchable destinations.</summary>
public abstract class JobQueueFixture : IAsyncLifetime
{
    private readonly TempDirectory _dir = new();
    private readonly ConcurrentDictionary<string, bool> _offline = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<object> _events = new();

    protected JobQueueFixture(int maxConcurrentJobs = 2)
    {
        Store = new SqliteStateStore(_dir.StateDb);
        Clock = new FakeClock(TestJobs.Utc(2025, 1, 10, 12));
        Queue = new JobQueue(
            new GlobalSettings { MaxConcurrentJobs = maxConcurrentJobs, DestinationPollInterval = TimeSpan.FromMinutes(1) },
            Clock,
            Store,
            new DelegateDestinationProbe(job =>
            {
                Interlocked.Increment(ref _probes);
                return !_offline.ContainsKey(job.Name);
            }),
            Runner.RunAsync);
        Queue.Started += (_, e) => _events.Enqueue(e);
        Queue.Finished += (_, e) => _events.Enqueue(e);
    }

    internal SqliteStateStore Store { get; }

    internal FakeClock Clock { get; }

    internal FakeRunner Runner { get; } = new();

    internal JobQueue Queue { get; }

    internal int Probes => Volatile.Read(ref _probes);

    private int _probes;

    internal IReadOnlyList<T> Events<T>() => _events.OfType<T>().ToList();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await Queue.StopAsync();
        Store.Dispose();
        _dir.Dispose();
    }

    internal void SetOffline(string job, bool offline)
    {
        if (offline)
        {
            _offline[job] = true;
        }
        else
        {
            _offline.TryRemove(job, out _);
        }
    }

    internal JobActivity Activity(string job) => Queue.Status(job).Activity;

    /// <summary>Waits until a job is running and handed to the runner.</summary>
    internal void AssertRunning(string job)
    {
        Assert.Equal(JobActivity.Running, Activity(job));
        Wait.Until(() => Runner.IsRunning(job), $"{job} reaches the runner");
    }

    /// <summary>Ends a run and waits until the queue has recorded it and moved on.</summary>
    internal void Finish(string job, JobOutcome? outcome = null)
    {
        var finished = Events<JobRunFinished>().Count;
        Runner.Complete(job, outcome ?? JobOutcome.Success("snap-" + job));
        Wait.Until(() => Events<JobRunFinished>().Count > finished, $"{job} is finished");
    }

    internal static JobDefinition Job(string name, string? repository = null) => TestJobs.Job(name, repository);
}
