using System.Globalization;

namespace Backup.Daemon.Scheduling;

/// <summary>
/// When a job runs by itself. Calendar forms name wall-clock times in the local zone:
/// "hourly", "daily", "daily 02:00", "daily 02:00,14:30", "weekly", "weekly sun 03:00",
/// "monthly", "monthly 15 04:00". The interval form "every 6h" runs that long after the previous run started.
/// </summary>
public sealed class Schedule
{
    private static readonly string[] DayNames = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

    private Schedule(string text, ScheduleKind kind, IReadOnlyList<TimeOnly> times, DayOfWeek day, int dayOfMonth, TimeSpan interval)
    {
        Text = text;
        Kind = kind;
        Times = times;
        Day = day;
        DayOfMonth = dayOfMonth;
        Interval = interval;
    }

    public string Text { get; }

    public ScheduleKind Kind { get; }

    public IReadOnlyList<TimeOnly> Times { get; }

    public DayOfWeek Day { get; }

    public int DayOfMonth { get; }

    public TimeSpan Interval { get; }

    public override string ToString() => Text;

    public static bool TryParse(string? text, out Schedule? schedule, out string? error)
    {
        schedule = null;
        error = null;
        var words = (text ?? "").Trim().ToLowerInvariant().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var help = "write hourly, daily [HH:MM[,HH:MM…]], weekly [mon…sun] [HH:MM], monthly [1-28] [HH:MM] or every DURATION (e.g. every 6h)";
        if (words.Length == 0)
        {
            error = $"empty schedule: {help}";
            return false;
        }

        var midnight = new List<TimeOnly> { TimeOnly.MinValue };
        switch (words[0])
        {
            case "hourly" when words.Length == 1:
                schedule = new Schedule(text!.Trim(), ScheduleKind.Hourly, midnight, default, 0, TimeSpan.FromHours(1));
                return true;
            case "daily" when words.Length <= 2:
                if (!TryTimes(words.ElementAtOrDefault(1), out var dailyTimes, out error))
                {
                    return false;
                }

                schedule = new Schedule(text!.Trim(), ScheduleKind.Daily, dailyTimes, default, 0, TimeSpan.FromDays(1));
                return true;
            case "weekly" when words.Length <= 3:
                var day = DayOfWeek.Monday;
                var rest = words.Skip(1).ToList();
                if (rest.Count > 0 && !rest[0].Contains(':'))
                {
                    if (!TryDay(rest[0], out day))
                    {
                        error = $"\"{rest[0]}\" is not a day of the week: write mon, tue, wed, thu, fri, sat or sun";
                        return false;
                    }

                    rest.RemoveAt(0);
                }

                if (rest.Count > 1 || !TryTimes(rest.FirstOrDefault(), out var weeklyTimes, out error))
                {
                    error ??= $"\"{text}\": {help}";
                    return false;
                }

                schedule = new Schedule(text!.Trim(), ScheduleKind.Weekly, weeklyTimes, day, 0, TimeSpan.FromDays(7));
                return true;
            case "monthly" when words.Length <= 3:
                var dom = 1;
                var monthlyRest = words.Skip(1).ToList();
                if (monthlyRest.Count > 0 && !monthlyRest[0].Contains(':'))
                {
                    if (!int.TryParse(monthlyRest[0], NumberStyles.None, CultureInfo.InvariantCulture, out dom) || dom is < 1 or > 28)
                    {
                        error = $"\"{text}\": the day of the month must be 1 to 28 (every month has it)";
                        return false;
                    }

                    monthlyRest.RemoveAt(0);
                }

                if (monthlyRest.Count > 1 || !TryTimes(monthlyRest.FirstOrDefault(), out var monthlyTimes, out error))
                {
                    error ??= $"\"{text}\": {help}";
                    return false;
                }

                schedule = new Schedule(text!.Trim(), ScheduleKind.Monthly, monthlyTimes, default, dom, TimeSpan.FromDays(28));
                return true;
            case "every" when words.Length == 2:
                if (!Duration.TryParse(words[1], out var interval, out error))
                {
                    return false;
                }

                if (interval < TimeSpan.FromMinutes(1))
                {
                    error = $"\"{text}\": the interval must be at least 1m";
                    return false;
                }

                schedule = new Schedule(text!.Trim(), ScheduleKind.Interval, [], default, 0, interval);
                return true;
            default:
                error = $"\"{text}\" is not a schedule: {help}";
                return false;
        }
    }

    /// <summary>
    /// The first planned run strictly after <paramref name="after"/> for calendar schedules. Interval schedules
    /// count from the previous run's start (<paramref name="lastRun"/>) and return <paramref name="after"/> itself
    /// ("run now") when there was no previous run or its interval has already passed.
    /// </summary>
    public DateTimeOffset NextAfter(DateTimeOffset after, DateTimeOffset? lastRun, TimeZoneInfo zone)
    {
        if (Kind == ScheduleKind.Interval)
        {
            if (lastRun is not { } last)
            {
                return after;
            }

            var next = last + Interval;
            return next > after ? next : after;
        }

        var local = TimeZoneInfo.ConvertTime(after, zone);
        var date = DateOnly.FromDateTime(local.DateTime);
        for (var i = 0; i < 62; i++, date = date.AddDays(1))
        {
            if (!DayMatches(date))
            {
                continue;
            }

            var candidates = Kind == ScheduleKind.Hourly
                ? Enumerable.Range(0, 24).Select(h => new TimeOnly(h, 0))
                : Times;
            foreach (var time in candidates.Order())
            {
                foreach (var candidate in Instants(date.ToDateTime(time), zone))
                {
                    if (candidate > after)
                    {
                        return candidate;
                    }
                }
            }
        }

        throw new InvalidOperationException($"schedule \"{Text}\" has no run in the next two months");
    }

    /// <summary>The instants a wall-clock time names in <paramref name="zone"/>, earliest first.</summary>
    private IEnumerable<DateTimeOffset> Instants(DateTime wall, TimeZoneInfo zone)
    {
        if (zone.IsInvalidTime(wall))
        {
            // Skipped by a daylight-saving jump: run at the first valid minute after it.
            while (zone.IsInvalidTime(wall))
            {
                wall = wall.AddMinutes(1);
            }
        }

        if (!zone.IsAmbiguousTime(wall))
        {
            yield return new DateTimeOffset(wall, zone.GetUtcOffset(wall));
            yield break;
        }

        // A time repeated when the clocks go back: a daily job runs once, at the first occurrence;
        // an hourly job runs at both, since each is a separate hour of real time.
        var offsets = zone.GetAmbiguousTimeOffsets(wall).OrderDescending().ToList();
        yield return new DateTimeOffset(wall, offsets[0]);
        if (Kind == ScheduleKind.Hourly)
        {
            foreach (var offset in offsets.Skip(1))
            {
                yield return new DateTimeOffset(wall, offset);
            }
        }
    }

    private static bool TryDay(string word, out DayOfWeek day)
    {
        day = default;
        var index = Array.IndexOf(DayNames, word.Length >= 3 ? word[..3] : word);
        if (index < 0 || (word.Length > 3 && word != FullDayName((DayOfWeek)index)))
        {
            return false;
        }

        day = (DayOfWeek)index;
        return true;
    }

    private static string FullDayName(DayOfWeek day) => day.ToString().ToLowerInvariant();

    private bool DayMatches(DateOnly date) => Kind switch
    {
        ScheduleKind.Weekly => date.DayOfWeek == Day,
        ScheduleKind.Monthly => date.Day == DayOfMonth,
        _ => true,
    };

    private static bool TryTimes(string? text, out List<TimeOnly> times, out string? error)
    {
        times = new List<TimeOnly>();
        error = null;
        if (text is null)
        {
            times.Add(TimeOnly.MinValue);
            return true;
        }

        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!TimeOnly.TryParseExact(part, ["H:mm", "HH:mm"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var time))
            {
                error = $"\"{part}\" is not a time of day: write HH:MM (24-hour), e.g. 02:00";
                return false;
            }

            times.Add(time);
        }

        if (times.Count == 0)
        {
            error = $"\"{text}\" names no time of day: write HH:MM (24-hour), e.g. 02:00";
            return false;
        }

        return true;
    }
}

public enum ScheduleKind
{
    Hourly,
    Daily,
    Weekly,
    Monthly,
    Interval,
}
