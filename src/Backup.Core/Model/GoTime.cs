using Backup.Core.FileSystem;

namespace Backup.Core.Model;

/// <summary>
/// A Go <c>time.Time</c> as restic writes it in JSON: an instant with full nanoseconds plus the zone offset
/// it was written with. .NET's <see cref="DateTimeOffset"/> keeps only 100 ns ticks, which would change
/// tree IDs on a rewrite, so times are carried in this form.
/// </summary>
/// <param name="UnixSeconds">Seconds since 1970-01-01T00:00:00Z.</param>
/// <param name="Nanoseconds">Nanoseconds within the second, 0..999,999,999.</param>
/// <param name="OffsetSeconds">The zone's offset from UTC at that instant, east positive.</param>
public readonly record struct GoTime(long UnixSeconds, uint Nanoseconds, int OffsetSeconds)
{
    private const long SecondsPerDay = 86_400;
    private const uint NanosPerSecond = 1_000_000_000;

    // 0001-01-01 and 9999-12-31, each with a day of margin: the instants TimeZoneInfo can be asked about.
    private const long FirstZoneLookup = -62_135_596_800 + SecondsPerDay;
    private const long LastZoneLookup = 253_402_300_799 - SecondsPerDay;

    // 0000-01-01T00:00:00 (year 0 is a leap year) and 9999-12-31T23:59:59, in seconds of local time.
    private const long FirstLocalOfYear0 = -62_167_219_200;
    private const long LastLocalOfYear9999 = 253_402_300_799;

    /// <summary>Go's zero time, 0001-01-01T00:00:00Z, written for unset times.</summary>
    public static readonly GoTime Zero = new(-62_135_596_800, 0, 0);

    public uint Nanoseconds { get; init; } = Nanoseconds < NanosPerSecond
        ? Nanoseconds
        : throw new ArgumentOutOfRangeException(nameof(Nanoseconds), Nanoseconds, "nanoseconds must be below one second");

    public bool IsZero => this == Zero;

    /// <summary>The year in the time's own zone, as Go's <c>Time.Year()</c> reports it.</summary>
    public long Year => CivilFromDays(FloorDiv(LocalSeconds, SecondsPerDay)).Year;

    private long LocalSeconds => UnixSeconds + OffsetSeconds;

    /// <summary>
    /// The time of a file's timestamp in the given zone, as restic stores node times: the offset is the
    /// zone's offset at that instant, and a year outside 0000..9999 is moved to the nearest bound.
    /// </summary>
    public static GoTime FromTimespec(Timespec t, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(zone);
        var seconds = t.Seconds;
        var nanos = t.Nanoseconds;
        if (nanos >= NanosPerSecond)
        {
            seconds += nanos / NanosPerSecond;
            nanos %= NanosPerSecond;
        }

        return new GoTime(seconds, nanos, OffsetAt(zone, seconds)).ClampYear(zone);
    }

    /// <summary>The current time in the given zone (to 100 ns, the resolution .NET's clock gives).</summary>
    public static GoTime Now(TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(zone);
        var now = Timespec.FromDateTimeOffset(DateTimeOffset.UtcNow);
        return new GoTime(now.Seconds, now.Nanoseconds, OffsetAt(zone, now.Seconds));
    }

    public Timespec ToTimespec() => new(UnixSeconds, Nanoseconds);

    /// <summary>
    /// The time as a <see cref="DateTimeOffset"/>: nanoseconds are truncated to 100 ns ticks and an offset
    /// with seconds is truncated to whole minutes, the finest .NET can hold.
    /// </summary>
    public DateTimeOffset ToDateTimeOffset()
    {
        var offset = TimeSpan.FromMinutes(OffsetSeconds / 60);
        var epoch = DateTimeOffset.UnixEpoch.UtcTicks / TimeSpan.TicksPerSecond;
        var first = (DateTime.MinValue.Ticks / TimeSpan.TicksPerSecond) - epoch;
        var last = (DateTime.MaxValue.Ticks / TimeSpan.TicksPerSecond) - epoch;
        if (UnixSeconds >= first && UnixSeconds < last && offset.Duration() <= TimeSpan.FromHours(14))
        {
            var utcTicks = DateTimeOffset.UnixEpoch.UtcTicks + (UnixSeconds * TimeSpan.TicksPerSecond) + (Nanoseconds / 100);
            var localTicks = utcTicks + offset.Ticks;
            if (localTicks >= DateTime.MinValue.Ticks && localTicks <= DateTime.MaxValue.Ticks)
            {
                return new DateTimeOffset(localTicks, offset);
            }
        }

        throw new InvalidOperationException($"{this} is outside the range of DateTimeOffset");
    }

    /// <summary>
    /// Moves a year outside 0000..9999 (in the time's own zone) to the nearest bound and keeps month, day and
    /// time of day, as restic does before writing node times; Go cannot write such years in JSON.
    /// </summary>
    public GoTime ClampYear() => ClampYear(null);

    /// <summary>Whether the year in the time's own zone is 0000..9999, the years Go writes in JSON.</summary>
    internal bool HasFourDigitYear => LocalSeconds is >= FirstLocalOfYear0 and <= LastLocalOfYear9999;

    internal GoTime ClampYear(TimeZoneInfo? zone)
    {
        if (HasFourDigitYear)
        {
            return this;
        }

        var local = LocalSeconds;
        var days = FloorDiv(local, SecondsPerDay);
        var (year, month, day) = CivilFromDays(days);
        if (year is >= 0 and <= 9999)
        {
            return this;
        }

        var timeOfDay = local - (days * SecondsPerDay);
        // Day 29 of February in a leap year becomes 1 March, as Go's AddDate normalises it.
        var clampedLocal = (DaysFromCivil(Math.Clamp(year, 0, 9999), month, day) * SecondsPerDay) + timeOfDay;
        var offset = OffsetSeconds;
        if (zone is not null)
        {
            offset = OffsetAt(zone, clampedLocal - offset);
        }

        return new GoTime(clampedLocal - offset, Nanoseconds, offset);
    }

    /// <summary>Parses Go's RFC 3339 JSON form: <c>2006-01-02T15:04:05.999999999Z07:00</c>.</summary>
    public static GoTime Parse(string text)
    {
        if (!TryParse(text, out var value))
        {
            throw new FormatException($"\"{text}\" is not an RFC 3339 time (expected e.g. 2006-01-02T15:04:05.999999999+07:00)");
        }

        return value;
    }

    /// <summary>
    /// Parses RFC 3339 as Go's <c>time.Parse(time.RFC3339, …)</c> accepts it: a four-digit year, a fraction
    /// of any length after '.' or ',' (digits past the ninth are dropped), and <c>Z</c> or <c>±hh:mm</c>.
    /// </summary>
    public static bool TryParse(string? text, out GoTime value)
    {
        value = default;
        return text is not null && TryParse(text.AsSpan(), out value);
    }

    /// <inheritdoc cref="TryParse(string?, out GoTime)"/>
    public static bool TryParse(ReadOnlySpan<char> s, out GoTime value)
    {
        value = default;
        if (s.Length < 20)
        {
            return false;
        }

        if (!Digits(s, 0, 4, out var year) || s[4] != '-' || !Digits(s, 5, 2, out var month) || s[7] != '-'
            || !Digits(s, 8, 2, out var day) || s[10] != 'T' || !Digits(s, 11, 2, out var hour) || s[13] != ':'
            || !Digits(s, 14, 2, out var minute) || s[16] != ':' || !Digits(s, 17, 2, out var second))
        {
            return false;
        }

        if (month is < 1 or > 12 || day < 1 || day > DaysInMonth(year, month) || hour > 23 || minute > 59 || second > 59)
        {
            return false;
        }

        var i = 19;
        uint nanos = 0;
        if (i + 1 < s.Length && (s[i] == '.' || s[i] == ',') && char.IsAsciiDigit(s[i + 1]))
        {
            i++;
            var digits = 0;
            while (i < s.Length && char.IsAsciiDigit(s[i]))
            {
                if (digits < 9)
                {
                    nanos = (nanos * 10) + (uint)(s[i] - '0');
                    digits++;
                }

                i++;
            }

            for (; digits < 9; digits++)
            {
                nanos *= 10;
            }
        }

        int offset;
        if (i < s.Length && s[i] == 'Z')
        {
            offset = 0;
            i++;
        }
        else if (i + 6 <= s.Length && (s[i] == '+' || s[i] == '-') && s[i + 3] == ':'
            && Digits(s, i + 1, 2, out var offsetHours) && Digits(s, i + 4, 2, out var offsetMinutes)
            && offsetHours <= 23 && offsetMinutes <= 59)
        {
            offset = ((offsetHours * 60) + offsetMinutes) * 60 * (s[i] == '-' ? -1 : 1);
            i += 6;
        }
        else
        {
            return false;
        }

        if (i != s.Length)
        {
            return false;
        }

        var local = (DaysFromCivil(year, month, day) * SecondsPerDay) + (hour * 3600) + (minute * 60) + second;
        value = new GoTime(local - offset, nanos, offset);
        return true;
    }

    /// <summary>Go's RFC3339Nano form: fraction without trailing zeros (no dot when zero), <c>Z</c> for offset 0.</summary>
    public override string ToString()
    {
        Span<char> text = stackalloc char[MaxFormattedLength];
        return new string(text[..Format(text)]);
    }

    /// <summary>The longest text <see cref="Format"/> writes.</summary>
    internal const int MaxFormattedLength = 48;

    /// <summary>Writes <see cref="ToString"/>'s text, allocating nothing; returns its length.</summary>
    /// <param name="b">At least <see cref="MaxFormattedLength"/> characters.</param>
    internal int Format(Span<char> b)
    {
        var local = LocalSeconds;
        var days = FloorDiv(local, SecondsPerDay);
        var (year, month, day) = CivilFromDays(days);
        var timeOfDay = local - (days * SecondsPerDay);

        var i = 0;
        if (year < 0)
        {
            b[i++] = '-';
        }

        i += Digits(b[i..], Math.Abs((long)year), 4);
        b[i++] = '-';
        i += Digits(b[i..], month, 2);
        b[i++] = '-';
        i += Digits(b[i..], day, 2);
        b[i++] = 'T';
        i += Digits(b[i..], timeOfDay / 3600, 2);
        b[i++] = ':';
        i += Digits(b[i..], timeOfDay / 60 % 60, 2);
        b[i++] = ':';
        i += Digits(b[i..], timeOfDay % 60, 2);
        if (Nanoseconds != 0)
        {
            b[i++] = '.';
            i += Digits(b[i..], Nanoseconds, 9);
            while (b[i - 1] == '0')
            {
                i--;
            }
        }

        if (OffsetSeconds == 0)
        {
            b[i++] = 'Z';
        }
        else
        {
            // Go prints whole minutes of the offset and drops its seconds.
            var minutes = Math.Abs(OffsetSeconds) / 60;
            b[i++] = OffsetSeconds < 0 ? '-' : '+';
            i += Digits(b[i..], minutes / 60, 2);
            b[i++] = ':';
            i += Digits(b[i..], minutes % 60, 2);
        }

        return i;
    }

    /// <summary>Writes a non-negative number with at least <paramref name="width"/> digits (leading zeros); returns how many.</summary>
    private static int Digits(Span<char> destination, long value, int width)
    {
        var count = 1;
        for (var rest = value / 10; rest > 0; rest /= 10)
        {
            count++;
        }

        count = Math.Max(count, width);
        for (var k = count - 1; k >= 0; k--)
        {
            destination[k] = (char)('0' + (value % 10));
            value /= 10;
        }

        return count;
    }

    private static int OffsetAt(TimeZoneInfo zone, long unixSeconds)
    {
        var at = DateTimeOffset.FromUnixTimeSeconds(Math.Clamp(unixSeconds, FirstZoneLookup, LastZoneLookup));
        return (int)zone.GetUtcOffset(at).TotalSeconds;
    }

    private static bool Digits(ReadOnlySpan<char> s, int start, int count, out int value)
    {
        value = 0;
        for (var i = start; i < start + count; i++)
        {
            if (!char.IsAsciiDigit(s[i]))
            {
                return false;
            }

            value = (value * 10) + (s[i] - '0');
        }

        return true;
    }

    private static int DaysInMonth(int year, int month) => month switch
    {
        2 => (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) ? 29 : 28,
        4 or 6 or 9 or 11 => 30,
        _ => 31,
    };

    private static long FloorDiv(long a, long b)
    {
        var q = Math.DivRem(a, b, out var r);
        return r < 0 ? q - 1 : q;
    }

    // Proleptic Gregorian calendar over any year, counted in 400-year eras of 146,097 days that start on
    // 1 March, so leap days fall at the end of each era year. Day 0 is 1970-01-01.
    private static long DaysFromCivil(long year, int month, int day)
    {
        var y = month <= 2 ? year - 1 : year;
        var era = FloorDiv(y, 400);
        var yearOfEra = y - (era * 400);
        var dayOfYear = (((153 * (month > 2 ? month - 3 : month + 9)) + 2) / 5) + day - 1;
        var dayOfEra = (yearOfEra * 365) + (yearOfEra / 4) - (yearOfEra / 100) + dayOfYear;
        return (era * 146_097) + dayOfEra - 719_468;
    }

    private static (long Year, int Month, int Day) CivilFromDays(long days)
    {
        var z = days + 719_468;
        var era = FloorDiv(z, 146_097);
        var dayOfEra = z - (era * 146_097);
        var yearOfEra = (dayOfEra - (dayOfEra / 1460) + (dayOfEra / 36_524) - (dayOfEra / 146_096)) / 365;
        var dayOfYear = dayOfEra - ((365 * yearOfEra) + (yearOfEra / 4) - (yearOfEra / 100));
        var monthFromMarch = ((5 * dayOfYear) + 2) / 153;
        var day = (int)(dayOfYear - (((153 * monthFromMarch) + 2) / 5) + 1);
        var month = (int)(monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9);
        return ((yearOfEra + (era * 400)) + (month <= 2 ? 1 : 0), month, day);
    }
}
