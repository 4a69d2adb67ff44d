using Backup.Daemon.Scheduling;
using Backup.Daemon.State;
using static Backup.Daemon.Tests.Scheduling.TestJobs;

namespace Backup.Daemon.Tests.Scheduling;

public sealed class SchedulerMinIntervalTests : SchedulerFixture
{
    [Fact]
    public void Scheduled_and_device_triggers_are_skipped_while_the_last_success_is_recent_manual_ones_are_not()
    {
        Run(Job("usb", schedule: "hourly", minInterval: TimeSpan.FromHours(3)));
        AdvanceTo(InBerlin(2025, 1, 10, 1));
        Succeed("usb");

        // 02:00: the 01:00 success is one hour old.
        AdvanceTo(InBerlin(2025, 1, 10, 2));
        var skipped = Assert.Single(Events<JobSkipped>());
        Assert.Equal(TriggerKind.Schedule, skipped.Trigger);
        Assert.Contains("min_interval 3h", skipped.Reason);
        Assert.Contains("2025-01-10 01:00", skipped.Reason);
        Assert.Equal(InBerlin(2025, 1, 10, 3), Store.NextPlanned("usb"));

        var device = Scheduler.Trigger("usb", TriggerKind.Device);
        Assert.Equal(TriggerOutcome.Skipped, device.Outcome);
        Assert.Contains("min_interval", device.Reason);
        Assert.Single(Finished("usb"));
        Assert.Equal(JobActivity.Idle, Queue.Status("usb").Activity);

        RunNow("usb");
        Assert.Equal(2, Finished("usb").Count);

        // Three hours after the last (manual, 02:00) success the schedule runs again.
        AdvanceTo(InBerlin(2025, 1, 10, 4));
        Assert.Equal(4, Events<JobSkipped>().Count);
        AdvanceTo(InBerlin(2025, 1, 10, 5));
        Assert.Equal(TriggerKind.Schedule, Due("usb")[^1].Trigger);
        Assert.Equal(InBerlin(2025, 1, 10, 5), Due("usb")[^1].At);
        Succeed("usb");
    }

    [Fact]
    public void A_failed_run_does_not_count_as_a_success()
    {
        Run(Job("usb", minInterval: TimeSpan.FromDays(1)));
        Scheduler.Trigger("usb", TriggerKind.Device);
        Fail("usb");
        Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(TriggerOutcome.Queued, Scheduler.Trigger("usb", TriggerKind.Device).Outcome);
        Succeed("usb");
        Assert.Equal(TriggerOutcome.Skipped, Scheduler.Trigger("usb", TriggerKind.Device).Outcome);
    }
}
