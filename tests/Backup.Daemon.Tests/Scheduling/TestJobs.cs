using Backup.Daemon.Configuration;
using Backup.Daemon.Scheduling;

namespace Backup.Daemon.Tests.Scheduling;

internal static class TestJobs
{
    public static TimeZoneInfo Berlin { get; } = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");

    public static JobDefinition Job(
        string name,
        string? repository = null,
        string? schedule = null,
        TimeSpan? minInterval = null,
        bool catchUp = false,
        TimeSpan? overdueAfter = null,
        TimeSpan? heartbeat = null) => new()
        {
            Name = name,
            File = $"/etc/backup/jobs.d/{name}.yaml",
            Sources = ["/home"],
            Repository = repository ?? $"/srv/backup/{name}",
            Schedule = schedule is null ? null : ParseSchedule(schedule),
            MinInterval = minInterval,
            CatchUp = catchUp,
            OverdueAfter = overdueAfter,
            Notify = new NotifySettings { Heartbeat = heartbeat },
        };

    public static Schedule ParseSchedule(string text)
    {
        Assert.True(Schedule.TryParse(text, out var schedule, out var error), error);
        return schedule!;
    }

    /// <summary>A wall-clock time in Berlin as an instant.</summary>
    public static DateTimeOffset InBerlin(int year, int month, int day, int hour, int minute = 0)
    {
        var wall = new DateTime(year, month, day, hour, minute, 0);
        return new DateTimeOffset(wall, Berlin.GetUtcOffset(wall));
    }

    public static DateTimeOffset Utc(int year, int month, int day, int hour, int minute = 0) =>
        new(year, month, day, hour, minute, 0, TimeSpan.Zero);
}
