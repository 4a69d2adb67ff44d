using Backup.Daemon.Scheduling;
using Backup.Daemon.State;

namespace Backup.Daemon.Tests.Scheduling;

public sealed class JobQueueRunsTests() : JobQueueFixture(maxConcurrentJobs: 1)
{
    [Fact]
    public void A_run_is_recorded_when_it_starts_and_when_it_ends()
    {
        var enqueued = Clock.Now;
        Queue.Enqueue(Job("a"), TriggerKind.Manual);
        AssertRunning("a");
        var run = Assert.Single(Runner.Calls);
        Assert.Equal(("a", TriggerKind.Manual, enqueued, enqueued), (run.Job.Name, run.Trigger, run.Enqueued, run.Started));
        Assert.True(run.RunId > 0);
        Assert.Equal(RunResult.Running, Store.LastRun("a")!.Result);
        Assert.Equal(run.RunId, Assert.Single(Events<JobRunStarted>()).Run.RunId);

        Clock.Advance(TimeSpan.FromMinutes(5));
        Finish("a", new JobOutcome { Result = RunResult.Success, SnapshotId = "abc", FilesNew = 3, BytesNew = 1000 });

        var record = Store.LastRun("a")!;
        Assert.Equal(run.RunId, record.Id);
        Assert.Equal(RunResult.Success, record.Result);
        Assert.Equal("abc", record.SnapshotId);
        Assert.Equal(3, record.FilesNew);
        Assert.Equal(1000, record.BytesNew);
        Assert.Equal(enqueued.AddMinutes(5), record.Ended);
        var finished = Assert.Single(Events<JobRunFinished>());
        Assert.Equal(record, finished.Record);
        Assert.Null(finished.StoreError);
    }

    [Fact]
    public async Task A_runner_that_throws_makes_a_failed_run_with_its_message()
    {
        var queue = new JobQueue(new(), Clock, Store, DelegateDestinationProbe.Always, (_, _) => throw new InvalidOperationException("repository is locked"));
        var finished = new TaskCompletionSource<JobRunFinished>();
        queue.Finished += (_, e) => finished.TrySetResult(e);
        queue.Enqueue(Job("a"), TriggerKind.Manual);
        var record = (await finished.Task.WaitAsync(TimeSpan.FromSeconds(10))).Record;
        Assert.Equal(RunResult.Failed, record.Result);
        Assert.Equal("repository is locked", Store.LastRun("a")!.Error);
    }

    [Fact]
    public void Cancelling_a_queued_job_removes_it_without_a_trace()
    {
        Queue.Enqueue(Job("a"), TriggerKind.Schedule);
        Queue.Enqueue(Job("b"), TriggerKind.Schedule);
        Assert.Equal(CancelOutcome.RemovedFromQueue, Queue.Cancel("b"));
        Assert.Equal(JobActivity.Idle, Activity("b"));
        Assert.Equal(CancelOutcome.NotQueued, Queue.Cancel("b"));

        Finish("a");
        Assert.Empty(Queue.StatusAll());
        Assert.Equal(0, Runner.CallCount("b"));
        Assert.Empty(Store.History("b", 10));
    }

    [Fact]
    public void Cancelling_a_job_waiting_for_its_drive_stops_probing_it()
    {
        SetOffline("usb", true);
        Queue.Enqueue(Job("usb"), TriggerKind.Device);
        Assert.Equal(CancelOutcome.RemovedFromQueue, Queue.Cancel("usb"));
        var probes = Probes;
        SetOffline("usb", false);
        Clock.Advance(TimeSpan.FromMinutes(10));
        Assert.Equal(probes, Probes);
        Assert.Equal(0, Runner.CallCount("usb"));
        Assert.Equal(0, Clock.WaiterCount);
    }

    [Fact]
    public void Cancelling_a_running_job_cancels_its_token_and_records_it_as_cancelled()
    {
        Queue.Enqueue(Job("a"), TriggerKind.Schedule);
        Queue.Enqueue(Job("b"), TriggerKind.Schedule);
        AssertRunning("a");

        Assert.Equal(CancelOutcome.CancellationRequested, Queue.Cancel("a"));
        Wait.Until(() => Events<JobRunFinished>().Count == 1, "a ends");
        Assert.Equal(RunResult.Cancelled, Store.LastRun("a")!.Result);
        AssertRunning("b");
    }

    [Fact]
    public async Task A_trigger_after_cancelling_a_running_job_is_not_lost_in_the_cancelled_run()
    {
        var release = new TaskCompletionSource();
        var calls = 0;
        var queue = new JobQueue(new(), Clock, Store, DelegateDestinationProbe.Always, async (run, token) =>
        {
            if (Interlocked.Increment(ref calls) == 1)
            {
                // A runner that needs a moment to wind down after cancellation.
                await release.Task;
                token.ThrowIfCancellationRequested();
            }

            return JobOutcome.Success("s");
        });
        queue.Enqueue(Job("a"), TriggerKind.Schedule);
        Wait.Until(() => Volatile.Read(ref calls) == 1, "a runs");

        Assert.Equal(CancelOutcome.CancellationRequested, queue.Cancel("a"));
        Assert.Equal(EnqueueOutcome.QueuedAfterRunning, queue.Enqueue(Job("a"), TriggerKind.Manual, false, out var manual));
        Assert.Equal(EnqueueOutcome.QueuedAfterRunning, queue.Enqueue(Job("a"), TriggerKind.Device, false, out var device));
        Assert.Same(manual, device);
        release.SetResult();

        // Those waiting for the triggers get the run that followed, not the cancelled one.
        var covered = await manual.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal((TriggerKind.Manual, RunResult.Success), (covered.Trigger, covered.Result));

        Wait.Until(() => Store.History("a", 10).Count(r => r.Result != RunResult.Running) == 2, "both runs end");
        var history = Store.History("a", 10);
        Assert.Equal([(TriggerKind.Manual, RunResult.Success), (TriggerKind.Schedule, RunResult.Cancelled)], history.Select(r => (r.Trigger, r.Result)));
        Wait.Until(() => queue.Status("a").Activity == JobActivity.Idle, "a is idle");
    }

    [Fact]
    public async Task A_full_scan_asked_for_while_a_journal_run_is_running_gets_a_full_run_of_its_own()
    {
        Queue.Enqueue(Job("a"), TriggerKind.Schedule);
        AssertRunning("a");

        Assert.Equal(EnqueueOutcome.MergedWithRunning, Queue.Enqueue(Job("a"), TriggerKind.Manual, false, out var plain));
        Assert.Equal(EnqueueOutcome.QueuedAfterRunning, Queue.Enqueue(Job("a"), TriggerKind.Manual, true, out var full));
        Finish("a", JobOutcome.Success("journal-run"));

        Assert.Equal("journal-run", (await plain.WaitAsync(TimeSpan.FromSeconds(10))).SnapshotId);
        // The queued full run may start a moment after the first run has ended and its waiters are answered.
        Wait.Until(() => Runner.CallCount("a") == 2, "the queued full run reaches the runner");
        AssertRunning("a");
        Assert.Equal([false, true], Runner.Calls.Select(c => c.FullScan));
        Assert.False(full.IsCompleted);

        // While the full run runs, another full request is covered by it.
        Assert.Equal(EnqueueOutcome.MergedWithRunning, Queue.Enqueue(Job("a"), TriggerKind.Manual, true, out var again));
        Finish("a", JobOutcome.Success("full-run"));
        Assert.Equal("full-run", (await full.WaitAsync(TimeSpan.FromSeconds(10))).SnapshotId);
        Assert.Equal("full-run", (await again.WaitAsync(TimeSpan.FromSeconds(10))).SnapshotId);
        Assert.Equal(2, Runner.CallCount("a"));
    }

    [Fact]
    public async Task A_run_queued_behind_the_running_one_is_never_shown_as_idle_in_between()
    {
        Queue.Enqueue(Job("a"), TriggerKind.Schedule);
        AssertRunning("a");
        Assert.Equal(EnqueueOutcome.QueuedAfterRunning, Queue.Enqueue(Job("a"), TriggerKind.Manual, true, out var full));
        var shownWhenTheFirstEnded = new TaskCompletionSource<JobActivity>(TaskCreationOptions.RunContinuationsAsynchronously);
        Queue.Finished += (_, _) => shownWhenTheFirstEnded.TrySetResult(Activity("a"));

        Finish("a", JobOutcome.Success("journal-run"));

        Assert.Equal(JobActivity.Queued, await shownWhenTheFirstEnded.Task.WaitAsync(TimeSpan.FromSeconds(10)));
        Wait.Until(() => Runner.CallCount("a") == 2, "the queued full run reaches the runner");
        AssertRunning("a");
        Finish("a", JobOutcome.Success("full-run"));
        Assert.Equal("full-run", (await full.WaitAsync(TimeSpan.FromSeconds(10))).SnapshotId);
        Assert.Equal([(TriggerKind.Schedule, false), (TriggerKind.Manual, true)], Runner.Calls.Select(c => (c.Trigger, c.FullScan)));
    }

    [Fact]
    public async Task Waiting_for_a_queued_run_that_is_cancelled_before_it_starts_ends_as_cancelled()
    {
        Queue.Enqueue(Job("a"), TriggerKind.Manual);
        AssertRunning("a");
        Queue.Enqueue(Job("b"), TriggerKind.Manual, false, out var covering);
        Assert.Equal(JobActivity.Queued, Activity("b"));

        Assert.Equal(CancelOutcome.RemovedFromQueue, Queue.Cancel("b"));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => covering.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task Stopping_interrupts_running_runs_drops_queued_ones_and_refuses_new_ones()
    {
        Queue.Enqueue(Job("a"), TriggerKind.Schedule);
        Queue.Enqueue(Job("b"), TriggerKind.Schedule);
        AssertRunning("a");
        Assert.Equal(EnqueueOutcome.QueuedAfterRunning, Queue.Enqueue(Job("a"), TriggerKind.Manual, true, out var followUp));

        await Queue.StopAsync();
        var record = Store.LastRun("a")!;
        Assert.Equal(RunResult.Interrupted, record.Result);
        Assert.Equal(JobRunRecord.InterruptedError, record.Error);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => followUp.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(1, Runner.CallCount("a"));
        Assert.Empty(Store.History("b", 10));
        Assert.Empty(Queue.StatusAll());
        Assert.Equal(EnqueueOutcome.Stopping, Queue.Enqueue(Job("c"), TriggerKind.Manual));
    }

    [Fact]
    public void A_failing_event_handler_does_not_break_the_queue()
    {
        Queue.Started += (_, _) => throw new InvalidOperationException("log full");
        Queue.Finished += (_, _) => throw new InvalidOperationException("log full");
        Queue.Enqueue(Job("a"), TriggerKind.Schedule);
        Queue.Enqueue(Job("b"), TriggerKind.Schedule);
        Finish("a");
        AssertRunning("b");
        Finish("b");
        Assert.Equal(RunResult.Success, Store.LastRun("b")!.Result);
    }
}
