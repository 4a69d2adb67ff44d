using Backup.Daemon.Scheduling;
using Backup.Daemon.State;

namespace Backup.Daemon.Tests.Scheduling;

public sealed class JobQueueDestinationTests() : JobQueueFixture(maxConcurrentJobs: 1)
{
    [Fact]
    public void A_job_waiting_for_its_drive_holds_no_slot_and_blocks_nobody()
    {
        SetOffline("usb", true);
        Queue.Enqueue(Job("usb"), TriggerKind.Device);
        Assert.Equal(JobActivity.WaitingForDestination, Activity("usb"));

        Queue.Enqueue(Job("home"), TriggerKind.Schedule);
        AssertRunning("home");
        Finish("home");
        Assert.Equal(JobActivity.WaitingForDestination, Activity("usb"));
        Assert.Equal(0, Runner.CallCount("usb"));
    }

    [Fact]
    public void The_destination_is_probed_again_every_poll_interval_and_the_job_runs_when_it_appears()
    {
        SetOffline("usb", true);
        Queue.Enqueue(Job("usb"), TriggerKind.Device);
        var probes = Probes;

        Clock.Advance(TimeSpan.FromSeconds(59));
        Assert.Equal(probes, Probes);
        Clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(probes + 1, Probes);
        Clock.Advance(TimeSpan.FromMinutes(3));
        Assert.Equal(probes + 4, Probes);
        Assert.Equal(JobActivity.WaitingForDestination, Activity("usb"));

        SetOffline("usb", false);
        Clock.Advance(TimeSpan.FromMinutes(1));
        AssertRunning("usb");

        // Running, it is no longer probed.
        var whileRunning = Probes;
        Clock.Advance(TimeSpan.FromMinutes(10));
        Assert.Equal(whileRunning, Probes);
    }

    [Fact]
    public void A_job_whose_drive_came_back_goes_before_jobs_queued_after_it()
    {
        SetOffline("usb", true);
        Queue.Enqueue(Job("first"), TriggerKind.Schedule);
        Queue.Enqueue(Job("usb"), TriggerKind.Device);
        Clock.Advance(TimeSpan.FromSeconds(10));
        Queue.Enqueue(Job("later"), TriggerKind.Schedule);
        AssertRunning("first");
        Assert.Equal(JobActivity.WaitingForDestination, Activity("usb"));
        Assert.Equal(JobActivity.Queued, Activity("later"));

        SetOffline("usb", false);
        Clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(JobActivity.Queued, Activity("usb"));

        Finish("first");
        AssertRunning("usb");
        Assert.Equal(JobActivity.Queued, Activity("later"));
        Finish("usb");
        AssertRunning("later");
    }

    [Fact]
    public void A_queued_job_whose_drive_goes_away_stops_competing_for_slots()
    {
        Queue.Enqueue(Job("first"), TriggerKind.Schedule);
        Queue.Enqueue(Job("usb"), TriggerKind.Device);
        Queue.Enqueue(Job("later"), TriggerKind.Schedule);
        Assert.Equal(JobActivity.Queued, Activity("usb"));

        SetOffline("usb", true);
        Clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(JobActivity.WaitingForDestination, Activity("usb"));

        Finish("first");
        AssertRunning("later");
    }

    [Fact]
    public void A_probe_that_throws_counts_as_unavailable()
    {
        var throwing = true;
        var queue = new JobQueue(
            new() { MaxConcurrentJobs = 1 },
            Clock,
            Store,
            new DelegateDestinationProbe(_ => throwing ? throw new IOException("stat failed") : true),
            Runner.RunAsync);
        queue.Enqueue(Job("usb"), TriggerKind.Device);
        Assert.Equal(JobActivity.WaitingForDestination, queue.Status("usb").Activity);
        throwing = false;
        Clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(JobActivity.Running, queue.Status("usb").Activity);
        Runner.Succeed("usb");
        Wait.Until(() => queue.Status("usb").Activity == JobActivity.Idle, "usb finishes");
    }
}
