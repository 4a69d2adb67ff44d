using Backup.Daemon.Scheduling;
using Backup.Daemon.State;

namespace Backup.Daemon.Tests.Scheduling;

/// <summary>
/// A job runner whose runs end when the test says so (<see cref="Complete"/>), or at once with
/// <see cref="AutoOutcome"/>. It records every run it was handed.
/// </summary>
internal sealed class FakeRunner
{
    private readonly Lock _lock = new();
    private readonly List<JobRun> _calls = [];
    private readonly Dictionary<string, TaskCompletionSource<JobOutcome>> _running = new(StringComparer.Ordinal);

    /// <summary>When set, runs end at once with this outcome.</summary>
    public Func<JobRun, JobOutcome>? AutoOutcome { get; set; }

    public IReadOnlyList<JobRun> Calls
    {
        get
        {
            lock (_lock)
            {
                return _calls.ToList();
            }
        }
    }

    public int CallCount(string job) => Calls.Count(c => c.Job.Name == job);

    public bool IsRunning(string job)
    {
        lock (_lock)
        {
            return _running.ContainsKey(job);
        }
    }

    public async Task<JobOutcome> RunAsync(JobRun run, CancellationToken cancellationToken)
    {
        var completion = new TaskCompletionSource<JobOutcome>(TaskCreationOptions.RunContinuationsAsynchronously);
        var auto = AutoOutcome;
        lock (_lock)
        {
            _calls.Add(run);
            if (auto is null)
            {
                _running.Add(run.Job.Name, completion);
            }
        }

        if (auto is not null)
        {
            return auto(run);
        }

        try
        {
            using (cancellationToken.Register(() => completion.TrySetCanceled(cancellationToken)))
            {
                return await completion.Task;
            }
        }
        finally
        {
            lock (_lock)
            {
                _running.Remove(run.Job.Name);
            }
        }
    }

    /// <summary>Ends the running run of <paramref name="job"/>, once the queue has handed it over.</summary>
    public void Complete(string job, JobOutcome outcome)
    {
        Wait.Until(() => IsRunning(job), $"{job} is handed to the runner");
        TaskCompletionSource<JobOutcome> completion;
        lock (_lock)
        {
            completion = _running[job];
        }

        completion.TrySetResult(outcome);
    }

    public void Succeed(string job) => Complete(job, JobOutcome.Success("snap-" + job));

    public void Fail(string job) => Complete(job, new JobOutcome { Result = RunResult.Failed, Error = "disk on fire" });
}
