using Backup.Daemon.Scheduling;
using static Backup.Daemon.Tests.Scheduling.TestJobs;

namespace Backup.Daemon.Tests.Scheduling;

public sealed class SchedulerHealthTests : SchedulerFixture
{
    [Fact]
    public async Task Overdue_is_raised_once_survives_a_restart_and_clears_with_the_next_success()
    {
        var laptop = Job("laptop", overdueAfter: TimeSpan.FromDays(1));
        Run(laptop);
        AdvanceTo(Start.AddDays(1).AddMinutes(-1));
        Assert.Empty(Events<JobOverdue>());

        Advance(TimeSpan.FromMinutes(1));
        var overdue = Assert.Single(Events<JobOverdue>());
        Assert.Equal((Start, true, Start.AddDays(1)), (overdue.Since, overdue.NeverSucceeded, overdue.At));
        Assert.Equal(Start.AddDays(1), Scheduler.Status("laptop")!.OverdueRaised);

        Advance(TimeSpan.FromDays(2));
        await Restart(TimeSpan.FromHours(1), laptop);
        Assert.Single(Events<JobOverdue>());
        Assert.Equal(Start.AddDays(1), Scheduler.Status("laptop")!.OverdueRaised);

        // A failure does not clear it; a success does.
        RunNow("laptop", success: false);
        Assert.Empty(Events<JobOverdueCleared>());
        var success = Clock.Now;
        RunNow("laptop");
        Assert.Single(Events<JobOverdueCleared>());
        Assert.Null(Scheduler.Status("laptop")!.OverdueRaised);

        // And it can be raised again, this time counting from that success.
        AdvanceTo(success.AddDays(1));
        Assert.Equal(2, Events<JobOverdue>().Count);
        Assert.Equal((success, false), (Events<JobOverdue>()[1].Since, Events<JobOverdue>()[1].NeverSucceeded));
    }

    [Fact]
    public void A_job_first_seen_long_ago_is_overdue_from_then_not_from_the_daemon_start()
    {
        Store.FirstSeen("nas", Start.AddDays(-10));
        Run(Job("nas", overdueAfter: TimeSpan.FromDays(7)));
        var overdue = Assert.Single(Events<JobOverdue>());
        Assert.Equal(Start.AddDays(-10), overdue.Since);
    }

    [Fact]
    public void Heartbeat_comes_every_interval_while_all_is_well_and_pauses_while_it_is_not()
    {
        Run(Job("nas", heartbeat: TimeSpan.FromDays(1)));

        // Nothing has succeeded yet: no "all is well".
        Advance(TimeSpan.FromDays(1));
        Assert.Empty(Events<JobHeartbeat>());

        // Due since a while: the first success sends it at once.
        RunNow("nas");
        Advance(TimeSpan.FromDays(1));
        Advance(TimeSpan.FromDays(1));
        Assert.Equal([Start.AddDays(1), Start.AddDays(2), Start.AddDays(3)], Events<JobHeartbeat>().Select(h => h.At));
        Assert.All(Events<JobHeartbeat>(), h => Assert.Equal(Start.AddDays(1), h.LastSuccess));

        // A failure silences it; silence is the message.
        Advance(TimeSpan.FromHours(1));
        RunNow("nas", success: false);
        Advance(TimeSpan.FromDays(2));
        Assert.Equal(3, Events<JobHeartbeat>().Count);

        RunNow("nas");
        Advance(TimeSpan.FromDays(1));
        Assert.Equal([Start.AddDays(5).AddHours(1), Start.AddDays(6).AddHours(1)], Events<JobHeartbeat>().Skip(3).Select(h => h.At));
    }

    [Fact]
    public void No_heartbeat_while_overdue()
    {
        Run(Job("nas", heartbeat: TimeSpan.FromHours(12), overdueAfter: TimeSpan.FromDays(1)));
        RunNow("nas");
        Advance(TimeSpan.FromHours(12));
        Assert.Single(Events<JobHeartbeat>());
        Advance(TimeSpan.FromDays(3));
        Assert.Single(Events<JobOverdue>());
        Assert.Single(Events<JobHeartbeat>());
    }

    [Fact]
    public void Reload_keeps_the_state_of_unchanged_jobs_and_replans_the_others()
    {
        Run(
            Job("a", schedule: "daily 02:00", overdueAfter: TimeSpan.FromHours(1)),
            Job("b", schedule: "daily 03:00"),
            Job("d", schedule: "daily 04:00"));
        AdvanceTo(Start.AddHours(1));
        Assert.Single(Events<JobOverdue>());

        Reload(
            Job("a", schedule: "daily 02:00", overdueAfter: TimeSpan.FromHours(1)),
            Job("b", schedule: "daily 05:00"),
            Job("c", schedule: "weekly sun 06:00"));

        Assert.Single(Events<JobOverdue>());
        Assert.Equal(InBerlin(2025, 1, 10, 2), Scheduler.Status("a")!.NextRun);
        Assert.Equal(InBerlin(2025, 1, 10, 5), Scheduler.Status("b")!.NextRun);
        Assert.Equal(InBerlin(2025, 1, 10, 5), Store.NextPlanned("b"));
        Assert.Equal(InBerlin(2025, 1, 12, 6), Scheduler.Status("c")!.NextRun);
        Assert.Null(Scheduler.Status("d"));
        Assert.Null(Store.NextPlanned("d"));
        Assert.Equal(["a", "b", "c"], Scheduler.StatusAll().Select(s => s.Job));

        AdvanceTo(InBerlin(2025, 1, 10, 6));
        Assert.Equal(["a", "b"], Events<JobDue>().Select(d => d.Job.Name));
        Assert.Equal([InBerlin(2025, 1, 10, 2), InBerlin(2025, 1, 10, 5)], Events<JobDue>().Select(d => d.At));
        Succeed("a");
        Succeed("b");

        // The data is as old as the run's start (02:00): four hours old at 06:00, still overdue.
        Assert.Empty(Events<JobOverdueCleared>());
        Assert.Single(Events<JobOverdue>());
    }

    [Fact]
    public void Reload_that_removes_overdue_after_clears_the_condition()
    {
        Run(Job("a", overdueAfter: TimeSpan.FromHours(1)));
        Advance(TimeSpan.FromHours(2));
        Assert.Single(Events<JobOverdue>());
        Reload(Job("a"));
        Assert.Single(Events<JobOverdueCleared>());
    }
}
