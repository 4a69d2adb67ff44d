using Backup.Daemon.Scheduling;
using Backup.Daemon.State;

namespace Backup.Daemon.Tests.Scheduling;

public sealed class JobQueueConcurrencyTests() : JobQueueFixture(maxConcurrentJobs: 2)
{
    [Fact]
    public void At_most_max_concurrent_jobs_run_and_the_next_starts_when_one_ends()
    {
        Assert.Equal(EnqueueOutcome.Queued, Queue.Enqueue(Job("a"), TriggerKind.Schedule));
        Assert.Equal(EnqueueOutcome.Queued, Queue.Enqueue(Job("b"), TriggerKind.Schedule));
        Assert.Equal(EnqueueOutcome.Queued, Queue.Enqueue(Job("c"), TriggerKind.Schedule));
        AssertRunning("a");
        AssertRunning("b");
        Assert.Equal(JobActivity.Queued, Activity("c"));
        Assert.Equal(["a", "b", "c"], Queue.StatusAll().Select(s => s.Job));

        Finish("b");
        AssertRunning("c");
        Assert.Equal(JobActivity.Idle, Activity("b"));
        Finish("a");
        Finish("c");
        Assert.Empty(Queue.StatusAll());
        Assert.Equal(3, Runner.Calls.Count);
    }

    [Fact]
    public void Two_jobs_on_one_repository_never_run_together_however_the_path_is_spelled()
    {
        Queue.UpdateSettings(new() { MaxConcurrentJobs = 3 });
        Queue.Enqueue(Job("a", "/srv/backup/shared"), TriggerKind.Schedule);
        Queue.Enqueue(Job("b", "local:/srv//backup/./shared/"), TriggerKind.Schedule);
        Queue.Enqueue(Job("c", "/srv/backup/other"), TriggerKind.Schedule);

        AssertRunning("a");
        AssertRunning("c");
        Assert.Equal(JobActivity.Queued, Activity("b"));

        // A free slot alone is not enough for b; its repository must be free.
        Finish("c");
        Assert.Equal(JobActivity.Queued, Activity("b"));
        Finish("a");
        AssertRunning("b");
        Assert.DoesNotContain(Runner.Calls, c => c.Job.Name == "b" && Runner.IsRunning("a"));
    }

    [Fact]
    public void A_busy_repository_does_not_hold_up_jobs_queued_behind_it()
    {
        Queue.Enqueue(Job("a", "/srv/backup/shared"), TriggerKind.Schedule);
        Queue.Enqueue(Job("b", "/srv/backup/shared"), TriggerKind.Schedule);
        Queue.Enqueue(Job("c"), TriggerKind.Schedule);
        AssertRunning("a");
        AssertRunning("c");
        Assert.Equal(JobActivity.Queued, Activity("b"));
    }

    [Fact]
    public void A_trigger_for_a_queued_or_running_job_is_merged_into_that_run()
    {
        Queue.UpdateSettings(new() { MaxConcurrentJobs = 1 });
        Queue.Enqueue(Job("a"), TriggerKind.Schedule);
        Queue.Enqueue(Job("b"), TriggerKind.Device);
        AssertRunning("a");

        Assert.Equal(EnqueueOutcome.MergedWithRunning, Queue.Enqueue(Job("a"), TriggerKind.Manual));
        Assert.Equal(EnqueueOutcome.MergedWithQueued, Queue.Enqueue(Job("b"), TriggerKind.Manual));
        Assert.Equal(EnqueueOutcome.MergedWithQueued, Queue.Enqueue(Job("b"), TriggerKind.Schedule));

        Finish("a");
        AssertRunning("b");
        Finish("b");

        // One run each, carrying the trigger that queued it.
        Assert.Equal([("a", TriggerKind.Schedule), ("b", TriggerKind.Device)], Runner.Calls.Select(c => (c.Job.Name, c.Trigger)));
        Assert.Single(Store.History("b", 10));
        Assert.Equal(EnqueueOutcome.Queued, Queue.Enqueue(Job("a"), TriggerKind.Manual));
    }

    [Fact]
    public void Status_shows_queue_and_run_times_and_the_run_id()
    {
        Queue.UpdateSettings(new() { MaxConcurrentJobs = 1 });
        var queuedAt = Clock.Now;
        Queue.Enqueue(Job("a"), TriggerKind.Manual);
        Queue.Enqueue(Job("b"), TriggerKind.Schedule);
        AssertRunning("a");
        Wait.Until(() => Queue.Status("a").RunId is not null, "a has its run id");

        var a = Queue.Status("a");
        Assert.Equal(new JobQueueStatus("a", JobActivity.Running, TriggerKind.Manual, queuedAt, Store.LastRun("a")!.Id), a);
        Assert.Equal(new JobQueueStatus("b", JobActivity.Queued, TriggerKind.Schedule, queuedAt, null), Queue.Status("b"));
        Assert.Equal(JobQueueStatus.Idle("zzz"), Queue.Status("zzz"));

        Clock.Advance(TimeSpan.FromMinutes(30));
        Finish("a");
        Assert.Equal(queuedAt.AddMinutes(30), Queue.Status("b").Since);
    }
}
