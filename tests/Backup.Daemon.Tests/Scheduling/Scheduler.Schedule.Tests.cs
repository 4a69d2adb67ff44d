using Backup.Daemon.Scheduling;
using Backup.Daemon.State;
using static Backup.Daemon.Tests.Scheduling.TestJobs;

namespace Backup.Daemon.Tests.Scheduling;

public sealed class SchedulerScheduleTests : SchedulerFixture
{
    [Fact]
    public void A_calendar_schedule_fires_at_its_local_times_and_persists_the_next_one()
    {
        Run(Job("home", schedule: "daily 02:00,14:00"));
        Assert.Equal(InBerlin(2025, 1, 10, 2), Scheduler.Status("home")!.NextRun);
        Assert.Equal(InBerlin(2025, 1, 10, 2), Store.NextPlanned("home"));

        AdvanceTo(InBerlin(2025, 1, 10, 1, 59));
        Assert.Empty(Due("home"));

        AdvanceTo(InBerlin(2025, 1, 10, 2, 0));
        var due = Assert.Single(Due("home"));
        Assert.Equal((TriggerKind.Schedule, EnqueueOutcome.Queued, InBerlin(2025, 1, 10, 2)), (due.Trigger, due.Outcome, due.At));
        Assert.Equal(InBerlin(2025, 1, 10, 14), Store.NextPlanned("home"));
        Advance(TimeSpan.FromMinutes(20));
        Succeed("home");

        AdvanceTo(InBerlin(2025, 1, 10, 14));
        Succeed("home");
        AdvanceTo(InBerlin(2025, 1, 11, 2));
        Succeed("home");

        Assert.Equal([InBerlin(2025, 1, 10, 2), InBerlin(2025, 1, 10, 14), InBerlin(2025, 1, 11, 2)], Due("home").Select(d => d.At));
        Assert.Equal([InBerlin(2025, 1, 10, 2), InBerlin(2025, 1, 10, 14), InBerlin(2025, 1, 11, 2)], Finished("home").Select(r => r.Started));
        Assert.All(Finished("home"), r => Assert.Equal(TriggerKind.Schedule, r.Trigger));
        Assert.Equal(InBerlin(2025, 1, 11, 14), Scheduler.Status("home")!.NextRun);
    }

    [Fact]
    public void A_scheduled_run_while_the_previous_one_still_runs_is_merged_into_it()
    {
        Run(Job("big", schedule: "hourly"));
        AdvanceTo(InBerlin(2025, 1, 10, 1));
        AdvanceTo(InBerlin(2025, 1, 10, 2));
        Assert.Equal([EnqueueOutcome.Queued, EnqueueOutcome.MergedWithRunning], Due("big").Select(d => d.Outcome));
        Succeed("big");
        Assert.Single(Finished("big"));
    }

    [Fact]
    public void An_interval_schedule_runs_at_once_the_first_time_then_counts_from_each_start()
    {
        Run(Job("db", schedule: "every 6h"));
        var first = Assert.Single(Due("db"));
        Assert.Equal(Start, first.At);

        // The run takes an hour; the next one is six hours after its start, not its end.
        Advance(TimeSpan.FromHours(1));
        Succeed("db");
        Assert.Equal(Start.AddHours(6), Scheduler.Status("db")!.NextRun);
        Assert.Equal(Start.AddHours(6), Store.NextPlanned("db"));

        AdvanceTo(Start.AddHours(6).AddMinutes(-1));
        Assert.Single(Due("db"));
        AdvanceTo(Start.AddHours(6));
        Assert.Equal(2, Due("db").Count);
        Succeed("db");

        // A manual run restarts the count.
        Advance(TimeSpan.FromHours(2));
        RunNow("db");
        Assert.Equal(Start.AddHours(14), Scheduler.Status("db")!.NextRun);
    }

    [Fact]
    public void A_job_without_schedule_only_runs_when_triggered()
    {
        Run(Job("usb"));
        Assert.Null(Scheduler.Status("usb")!.NextRun);
        Advance(TimeSpan.FromDays(10));
        Assert.Empty(Due("usb"));
        Assert.Equal(TriggerOutcome.Queued, Scheduler.Trigger("usb", TriggerKind.Device).Outcome);
        Assert.Equal(TriggerKind.Device, Assert.Single(Due("usb")).Trigger);
        Assert.Equal(TriggerOutcome.UnknownJob, Scheduler.Trigger("nope", TriggerKind.Manual).Outcome);
    }

    [Fact]
    public async Task A_restart_just_after_a_planned_time_runs_the_job_as_scheduled()
    {
        Run(Job("home", schedule: "daily 02:00"));
        AdvanceTo(InBerlin(2025, 1, 10, 1, 59));
        await Restart(TimeSpan.FromMinutes(2), Job("home", schedule: "daily 02:00"));

        var due = Assert.Single(Due("home"));
        Assert.Equal((TriggerKind.Schedule, InBerlin(2025, 1, 10, 2, 1)), (due.Trigger, due.At));
        Assert.Empty(Events<JobSkipped>());
        Succeed("home");
    }

    [Fact]
    public void Failing_event_handlers_do_not_stop_the_schedule()
    {
        Scheduler.JobDue += (_, _) => throw new InvalidOperationException("journal gone");
        Run(Job("home", schedule: "hourly"));
        AdvanceTo(InBerlin(2025, 1, 10, 1));
        Succeed("home");
        AdvanceTo(InBerlin(2025, 1, 10, 2));
        Succeed("home");
        Assert.Equal(2, Due("home").Count);
    }
}
