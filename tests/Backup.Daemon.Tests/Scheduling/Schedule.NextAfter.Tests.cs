using static Backup.Daemon.Tests.Scheduling.TestJobs;

namespace Backup.Daemon.Tests.Scheduling;

public sealed class ScheduleNextAfterTests
{
    [Fact]
    public void Daily_runs_later_the_same_day_or_the_next_day()
    {
        var daily = ParseSchedule("daily 02:00");
        Assert.Equal(Utc(2025, 1, 10, 2), daily.NextAfter(Utc(2025, 1, 10, 1), null, TimeZoneInfo.Utc));
        Assert.Equal(Utc(2025, 1, 11, 2), daily.NextAfter(Utc(2025, 1, 10, 2), null, TimeZoneInfo.Utc));
        Assert.Equal(Utc(2025, 1, 11, 2), daily.NextAfter(Utc(2025, 1, 10, 23, 59), null, TimeZoneInfo.Utc));
    }

    [Fact]
    public void Daily_with_several_times_walks_through_them_in_order_whatever_order_they_were_written()
    {
        var daily = ParseSchedule("daily 14:30,02:00,20:00");
        var runs = Walk(daily, Utc(2025, 1, 10, 0), TimeZoneInfo.Utc, 4);
        Assert.Equal([Utc(2025, 1, 10, 2), Utc(2025, 1, 10, 14, 30), Utc(2025, 1, 10, 20), Utc(2025, 1, 11, 2)], runs);
    }

    [Fact]
    public void Calendar_times_are_local_wall_clock_times()
    {
        // 02:00 in Berlin is 01:00 UTC in winter and 00:00 UTC in summer.
        var daily = ParseSchedule("daily 02:00");
        Assert.Equal(Utc(2025, 1, 10, 1), daily.NextAfter(Utc(2025, 1, 10, 0), null, Berlin));
        Assert.Equal(Utc(2025, 7, 10, 0), daily.NextAfter(Utc(2025, 7, 9, 23), null, Berlin));
    }

    [Fact]
    public void Weekly_runs_on_its_day()
    {
        // 2025-01-08 is a Wednesday.
        var weekly = ParseSchedule("weekly sun 03:00");
        Assert.Equal(Utc(2025, 1, 12, 3), weekly.NextAfter(Utc(2025, 1, 8, 12), null, TimeZoneInfo.Utc));
        Assert.Equal(Utc(2025, 1, 19, 3), weekly.NextAfter(Utc(2025, 1, 12, 3), null, TimeZoneInfo.Utc));
        Assert.Equal(Utc(2025, 1, 12, 3), weekly.NextAfter(Utc(2025, 1, 12, 2, 59), null, TimeZoneInfo.Utc));
        Assert.Equal(Utc(2025, 1, 13, 0), ParseSchedule("weekly").NextAfter(Utc(2025, 1, 8, 12), null, TimeZoneInfo.Utc));
    }

    [Fact]
    public void Monthly_runs_on_its_day_and_crosses_the_year()
    {
        var monthly = ParseSchedule("monthly 15 04:00");
        Assert.Equal(Utc(2025, 1, 15, 4), monthly.NextAfter(Utc(2025, 1, 1, 0), null, TimeZoneInfo.Utc));
        Assert.Equal(Utc(2025, 2, 15, 4), monthly.NextAfter(Utc(2025, 1, 20, 0), null, TimeZoneInfo.Utc));
        Assert.Equal(Utc(2026, 1, 15, 4), monthly.NextAfter(Utc(2025, 12, 15, 4), null, TimeZoneInfo.Utc));
        Assert.Equal(Utc(2025, 3, 1, 0), ParseSchedule("monthly").NextAfter(Utc(2025, 2, 1, 0), null, TimeZoneInfo.Utc));
    }

    [Fact]
    public void Hourly_runs_on_the_hour()
    {
        var hourly = ParseSchedule("hourly");
        Assert.Equal(Utc(2025, 1, 10, 11), hourly.NextAfter(Utc(2025, 1, 10, 10, 15), null, TimeZoneInfo.Utc));
        Assert.Equal(Utc(2025, 1, 11, 0), hourly.NextAfter(Utc(2025, 1, 10, 23), null, TimeZoneInfo.Utc));
    }

    [Fact]
    public void Interval_counts_from_the_last_run_and_runs_at_once_when_due_or_never_run()
    {
        var every = ParseSchedule("every 6h");
        var now = Utc(2025, 1, 10, 12);
        Assert.Equal(now, every.NextAfter(now, null, Berlin));
        Assert.Equal(Utc(2025, 1, 10, 14), every.NextAfter(now, Utc(2025, 1, 10, 8), Berlin));
        Assert.Equal(now, every.NextAfter(now, Utc(2025, 1, 10, 6), Berlin));
        Assert.Equal(now, every.NextAfter(now, Utc(2025, 1, 9, 0), Berlin));
    }

    [Fact]
    public void Spring_forward_a_daily_time_in_the_gap_runs_at_the_first_valid_minute_after_it()
    {
        // Berlin, 2025-03-30: 02:00 CET jumps to 03:00 CEST; 02:30 does not exist that day.
        var daily = ParseSchedule("daily 02:30");
        var runs = Walk(daily, InBerlin(2025, 3, 29, 12), Berlin, 3);
        Assert.Equal(
            [
                Utc(2025, 3, 30, 1), // 03:00 CEST, the first minute after the gap
                Utc(2025, 3, 31, 0, 30), // 02:30 CEST
                Utc(2025, 4, 1, 0, 30),
            ],
            runs);
    }

    [Fact]
    public void Spring_forward_hourly_skips_the_missing_hour_without_running_twice()
    {
        var hourly = ParseSchedule("hourly");
        var runs = Walk(hourly, InBerlin(2025, 3, 30, 0, 30), Berlin, 3);
        Assert.Equal([Utc(2025, 3, 30, 0), Utc(2025, 3, 30, 1), Utc(2025, 3, 30, 2)], runs);
        Assert.Equal(["01:00", "03:00", "04:00"], runs.Select(r => TimeZoneInfo.ConvertTime(r, Berlin).ToString("HH:mm", System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Fact]
    public void Fall_back_a_daily_time_in_the_repeated_hour_runs_once_at_its_first_occurrence()
    {
        // Berlin, 2025-10-26: 03:00 CEST goes back to 02:00 CET; 02:30 happens twice.
        var daily = ParseSchedule("daily 02:30");
        var runs = Walk(daily, InBerlin(2025, 10, 25, 12), Berlin, 2);
        Assert.Equal([Utc(2025, 10, 26, 0, 30), Utc(2025, 10, 27, 1, 30)], runs);

        // Asked from inside the repeated hour, after the first 02:30: not again at the second.
        Assert.Equal(Utc(2025, 10, 27, 1, 30), daily.NextAfter(Utc(2025, 10, 26, 1, 0), null, Berlin));
    }

    [Fact]
    public void Fall_back_hourly_runs_in_each_real_hour()
    {
        var hourly = ParseSchedule("hourly");
        var runs = Walk(hourly, Utc(2025, 10, 25, 22, 30), Berlin, 4);

        // 01:00 CEST, 02:00 CEST, 02:00 CET, 03:00 CET: one run per hour of real time.
        Assert.Equal([Utc(2025, 10, 25, 23), Utc(2025, 10, 26, 0), Utc(2025, 10, 26, 1), Utc(2025, 10, 26, 2)], runs);
    }

    [Fact]
    public void Weekly_across_a_dst_change_keeps_the_wall_clock_time()
    {
        var weekly = ParseSchedule("weekly sun 03:00");
        var runs = Walk(weekly, InBerlin(2025, 3, 22, 0), Berlin, 3);
        Assert.Equal([InBerlin(2025, 3, 23, 3), InBerlin(2025, 3, 30, 3), InBerlin(2025, 4, 6, 3)], runs);
        Assert.Equal(TimeSpan.FromHours(1), runs[0].Offset);
        Assert.Equal(TimeSpan.FromHours(2), runs[1].Offset);
    }

    private static List<DateTimeOffset> Walk(Backup.Daemon.Scheduling.Schedule schedule, DateTimeOffset from, TimeZoneInfo zone, int count)
    {
        var runs = new List<DateTimeOffset>();
        var at = from;
        for (var i = 0; i < count; i++)
        {
            at = schedule.NextAfter(at, null, zone);
            runs.Add(at);
        }

        return runs;
    }
}
