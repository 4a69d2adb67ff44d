using Backup.Daemon.Scheduling;

namespace Backup.Daemon.Tests.Scheduling;

public sealed class ScheduleParseTests
{
    [Fact]
    public void Hourly() => AssertParsed("hourly", ScheduleKind.Hourly, ["00:00"]);

    [Fact]
    public void Daily_defaults_to_midnight() => AssertParsed("daily", ScheduleKind.Daily, ["00:00"]);

    [Fact]
    public void Daily_with_several_times() => AssertParsed("daily 02:00,14:30", ScheduleKind.Daily, ["02:00", "14:30"]);

    [Fact]
    public void Case_and_single_digit_hours_are_accepted() => AssertParsed("  Daily 2:05 ", ScheduleKind.Daily, ["02:05"]);

    [Fact]
    public void Weekly_defaults_to_monday_midnight()
    {
        var schedule = AssertParsed("weekly", ScheduleKind.Weekly, ["00:00"]);
        Assert.Equal(DayOfWeek.Monday, schedule.Day);
    }

    [Theory]
    [InlineData("weekly sun 03:00", DayOfWeek.Sunday)]
    [InlineData("weekly sunday 03:00", DayOfWeek.Sunday)]
    [InlineData("weekly WED 03:00", DayOfWeek.Wednesday)]
    [InlineData("weekly saturday 03:00", DayOfWeek.Saturday)]
    public void Weekly_takes_short_and_full_day_names(string text, DayOfWeek day)
    {
        var schedule = AssertParsed(text, ScheduleKind.Weekly, ["03:00"]);
        Assert.Equal(day, schedule.Day);
    }

    [Fact]
    public void Monthly_with_day_and_time()
    {
        var schedule = AssertParsed("monthly 15 04:00", ScheduleKind.Monthly, ["04:00"]);
        Assert.Equal(15, schedule.DayOfMonth);
        Assert.Equal(1, AssertParsed("monthly", ScheduleKind.Monthly, ["00:00"]).DayOfMonth);
        Assert.Equal(1, AssertParsed("monthly 06:00", ScheduleKind.Monthly, ["06:00"]).DayOfMonth);
    }

    [Fact]
    public void Interval()
    {
        var schedule = AssertParsed("every 6h", ScheduleKind.Interval, []);
        Assert.Equal(TimeSpan.FromHours(6), schedule.Interval);
        Assert.Equal(TimeSpan.FromMinutes(90), AssertParsed("every 1h30m", ScheduleKind.Interval, []).Interval);
    }

    [Theory]
    [InlineData(null, "empty schedule")]
    [InlineData("  ", "empty schedule")]
    [InlineData("yearly", "is not a schedule")]
    [InlineData("hourly 02:00", "is not a schedule")]
    [InlineData("daily 25:00", "is not a time of day")]
    [InlineData("daily 2am", "is not a time of day")]
    [InlineData("daily ,", "names no time of day")]
    [InlineData("daily 02:00 03:00", "is not a schedule")]
    [InlineData("weekly monkey 03:00", "is not a day of the week")]
    [InlineData("weekly su", "is not a day of the week")]
    [InlineData("weekly sun mon", "is not a time of day")]
    [InlineData("weekly sun 03:00 04:00", "weekly sun 03:00 04:00")]
    [InlineData("monthly 29", "1 to 28")]
    [InlineData("monthly 0 02:00", "1 to 28")]
    [InlineData("monthly -1", "1 to 28")]
    [InlineData("every 30s", "at least 1m")]
    [InlineData("every often", "is not a duration")]
    [InlineData("every", "is not a schedule")]
    public void Rejects_with_a_message_that_says_what_is_wrong(string? text, string message)
    {
        Assert.False(Schedule.TryParse(text, out var schedule, out var error));
        Assert.Null(schedule);
        Assert.NotNull(error);
        Assert.Contains(message, error);
    }

    private static Schedule AssertParsed(string text, ScheduleKind kind, string[] times)
    {
        Assert.True(Schedule.TryParse(text, out var schedule, out var error), error);
        Assert.Null(error);
        Assert.Equal(kind, schedule!.Kind);
        Assert.Equal(text.Trim(), schedule.ToString());
        Assert.Equal(times, schedule.Times.Select(t => t.ToString("HH:mm", System.Globalization.CultureInfo.InvariantCulture)));
        return schedule;
    }
}
