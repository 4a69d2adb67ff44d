using Backup.Daemon.Scheduling;
using Backup.Daemon.State;
using static Backup.Daemon.Tests.Scheduling.TestJobs;

namespace Backup.Daemon.Tests.Scheduling;

public sealed class SchedulerCatchUpTests : SchedulerFixture
{
    [Fact]
    public async Task A_run_missed_while_the_machine_was_off_is_caught_up_soon_after_start()
    {
        var home = Job("home", schedule: "daily 02:00", catchUp: true);
        Run(home);
        AdvanceTo(InBerlin(2025, 1, 10, 2));
        Succeed("home");
        Assert.Equal(InBerlin(2025, 1, 11, 2), Store.NextPlanned("home"));

        // Off from Friday 12:00 to Sunday 09:00: Saturday's and Sunday's 02:00 were missed.
        AdvanceTo(InBerlin(2025, 1, 10, 12));
        await Restart(TimeSpan.FromHours(45), home);
        Assert.Equal(InBerlin(2025, 1, 12, 9), Clock.Now);

        var status = Scheduler.Status("home")!;
        Assert.Equal((InBerlin(2025, 1, 12, 9, 1), TriggerKind.CatchUp), (status.NextRun, status.NextTrigger));
        Assert.Single(Due("home"));

        // Until it is queued, the missed time stays on disk: another restart would still catch up.
        Assert.Equal(InBerlin(2025, 1, 11, 2), Store.NextPlanned("home"));

        Advance(TimeSpan.FromSeconds(59));
        Assert.Single(Due("home"));
        Advance(TimeSpan.FromSeconds(1));
        var catchUp = Due("home")[^1];
        Assert.Equal((TriggerKind.CatchUp, InBerlin(2025, 1, 12, 9, 1)), (catchUp.Trigger, catchUp.At));
        Succeed("home");
        Assert.Equal(TriggerKind.CatchUp, Finished("home")[^1].Trigger);

        // One catch-up for all missed runs; then the normal schedule.
        Assert.Equal(InBerlin(2025, 1, 13, 2), Store.NextPlanned("home"));
        Assert.Equal((InBerlin(2025, 1, 13, 2), TriggerKind.Schedule), (Scheduler.Status("home")!.NextRun, Scheduler.Status("home")!.NextTrigger));
        AdvanceTo(InBerlin(2025, 1, 13, 1));
        Assert.Equal(2, Due("home").Count);
        Assert.Empty(Events<JobSkipped>());
    }

    [Fact]
    public async Task Without_catch_up_a_missed_run_is_skipped_and_reported_and_the_job_waits_for_its_next_slot()
    {
        var home = Job("home", schedule: "daily 02:00");
        Run(home);
        await Restart(TimeSpan.FromDays(2), home);

        var skipped = Assert.Single(Events<JobSkipped>());
        Assert.Contains("missed the run planned for 2025-01-10 02:00", skipped.Reason);
        Assert.Contains("catch_up is off", skipped.Reason);
        Assert.Equal(InBerlin(2025, 1, 12, 2), Store.NextPlanned("home"));

        Advance(TimeSpan.FromHours(1));
        Assert.Empty(Due("home"));
        AdvanceTo(InBerlin(2025, 1, 12, 2));
        Assert.Equal(TriggerKind.Schedule, Assert.Single(Due("home")).Trigger);
        Succeed("home");
    }

    [Fact]
    public async Task A_pending_catch_up_survives_another_restart()
    {
        var home = Job("home", schedule: "daily 02:00", catchUp: true);
        Run(home);
        await Restart(TimeSpan.FromDays(1), home);
        await Restart(TimeSpan.FromSeconds(30), home);
        Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(TriggerKind.CatchUp, Assert.Single(Due("home")).Trigger);
        Succeed("home");
    }

    [Fact]
    public async Task An_interval_job_without_catch_up_keeps_its_rhythm_after_downtime()
    {
        var db = Job("db", schedule: "every 6h");
        Run(db);
        Succeed("db");
        await Restart(TimeSpan.FromHours(8), db);

        // Started at 00:00, due at 06:00, machine back at 08:00: next slot 12:00.
        Assert.Single(Events<JobSkipped>());
        Assert.Equal(Start.AddHours(12), Store.NextPlanned("db"));
        Assert.Single(Due("db"));
    }

    [Fact]
    public void A_run_missed_while_suspended_is_caught_up_after_resume()
    {
        Run(Job("home", schedule: "daily 02:00", catchUp: true), Job("work", schedule: "daily 03:00"));

        // Suspended at 00:00, resumed at 10:00: the clock jumps.
        Jump(InBerlin(2025, 1, 10, 10));
        Assert.Empty(Due("home"));
        var skipped = Assert.Single(Events<JobSkipped>());
        Assert.Equal("work", skipped.Job.Name);
        Assert.Contains("suspended", skipped.Reason);

        Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(TriggerKind.CatchUp, Assert.Single(Due("home")).Trigger);
        Assert.Empty(Due("work"));
        Assert.Equal(InBerlin(2025, 1, 11, 2), Store.NextPlanned("home"));
        Assert.Equal(InBerlin(2025, 1, 11, 3), Store.NextPlanned("work"));
        Succeed("home");
    }

    [Fact]
    public void The_catch_up_delay_is_configurable_and_min_interval_applies_to_catch_ups()
    {
        Options = new SchedulerOptions { CatchUpDelay = TimeSpan.FromMinutes(10) };
        Store.SetNextPlanned("home", InBerlin(2025, 1, 9, 2));
        var id = Store.RunStarted("home", TriggerKind.Manual, InBerlin(2025, 1, 9, 22));
        Store.RunFinished(id, new JobRunRecord { Job = "home", Trigger = TriggerKind.Manual, Started = Start, Ended = Start, Result = RunResult.Success });
        Recreate();
        Run(Job("home", schedule: "daily 02:00", catchUp: true, minInterval: TimeSpan.FromHours(12)));

        Advance(TimeSpan.FromMinutes(9));
        Assert.Empty(Events<JobSkipped>());
        Advance(TimeSpan.FromMinutes(1));
        var skipped = Assert.Single(Events<JobSkipped>());
        Assert.Equal(TriggerKind.CatchUp, skipped.Trigger);
        Assert.Empty(Due("home"));
    }
}
