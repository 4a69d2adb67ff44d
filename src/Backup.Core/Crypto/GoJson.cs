using System.Globalization;
using System.Text;

namespace Backup.Core.Crypto;

/// <summary>The parts of Go's encoding/json and time formatting that restic's key files depend on.</summary>
internal static class GoJson
{
    /// <summary>
    /// Whether a JSON object key selects the struct field <paramref name="field"/> (ASCII), as Go 1.19 matches them:
    /// ASCII case-insensitively, plus the two non-ASCII folds Go knows for ASCII letters (ſ for s, the Kelvin sign for k).
    /// </summary>
    public static bool KeyMatches(string key, string field)
    {
        if (key.Length != field.Length)
        {
            return false;
        }

        for (var i = 0; i < key.Length; i++)
        {
            var f = char.ToLowerInvariant(field[i]);
            var k = key[i];
            var same = k < 0x80
                ? char.ToLowerInvariant(k) == f
                : (f == 's' && k == '\u017f') || (f == 'k' && k == '\u212a');
            if (!same)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Appends <paramref name="value"/> as a JSON string with Go's HTML-safe escaping.</summary>
    public static void WriteString(StringBuilder output, string value)
    {
        const string hex = "0123456789abcdef";
        output.Append('"');
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            switch (c)
            {
                case '"':
                    output.Append("\\\"");
                    break;
                case '\\':
                    output.Append("\\\\");
                    break;
                case '\n':
                    output.Append("\\n");
                    break;
                case '\r':
                    output.Append("\\r");
                    break;
                case '\t':
                    output.Append("\\t");
                    break;
                case '<' or '>' or '&' or < ' ':
                    output.Append("\\u00").Append(hex[c >> 4]).Append(hex[c & 0xf]);
                    break;
                case '\u2028' or '\u2029':
                    output.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    break;
                default:
                    if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
                    {
                        output.Append(c).Append(value[++i]);
                    }
                    else if (char.IsSurrogate(c))
                    {
                        // Go writes invalid UTF-8 as an escaped replacement character; a lone surrogate is our equivalent.
                        output.Append("\\ufffd");
                    }
                    else
                    {
                        output.Append(c);
                    }

                    break;
            }
        }

        output.Append('"');
    }

    /// <summary>Go's time.Time JSON form: RFC 3339, fraction with trailing zeros trimmed, "Z" for a zero offset.</summary>
    public static string FormatTime(DateTimeOffset value)
    {
        var clock = value.DateTime;
        var text = new StringBuilder(35);
        text.Append(clock.ToString("yyyy'-'MM'-'dd'T'HH':'mm':'ss", CultureInfo.InvariantCulture));
        var ticks = clock.Ticks % TimeSpan.TicksPerSecond;
        if (ticks != 0)
        {
            text.Append('.').Append(ticks.ToString("D7", CultureInfo.InvariantCulture).TrimEnd('0'));
        }

        var offset = value.Offset;
        if (offset == TimeSpan.Zero)
        {
            text.Append('Z');
        }
        else
        {
            var minutes = (int)Math.Abs(offset.TotalMinutes);
            text.Append(offset < TimeSpan.Zero ? '-' : '+')
                .Append((minutes / 60).ToString("D2", CultureInfo.InvariantCulture))
                .Append(':')
                .Append((minutes % 60).ToString("D2", CultureInfo.InvariantCulture));
        }

        return text.ToString();
    }

    /// <summary>Parses Go's RFC 3339 form; the fraction is truncated to .NET's 100 ns ticks.</summary>
    public static bool TryParseTime(string text, out DateTimeOffset value)
    {
        value = default;
        var s = text.AsSpan();
        if (s.Length < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':')
        {
            return false;
        }

        if (!TryDigits(s[..4], out var year) || !TryDigits(s.Slice(5, 2), out var month) || !TryDigits(s.Slice(8, 2), out var day)
            || !TryDigits(s.Slice(11, 2), out var hour) || !TryDigits(s.Slice(14, 2), out var minute) || !TryDigits(s.Slice(17, 2), out var second))
        {
            return false;
        }

        var rest = s[19..];
        long ticks = 0;
        if (rest.Length > 0 && rest[0] == '.')
        {
            var digits = 1;
            while (digits < rest.Length && char.IsAsciiDigit(rest[digits]))
            {
                digits++;
            }

            if (digits == 1)
            {
                return false;
            }

            var fraction = rest[1..digits];
            for (var i = 0; i < 7; i++)
            {
                ticks = (ticks * 10) + (i < fraction.Length ? fraction[i] - '0' : 0);
            }

            rest = rest[digits..];
        }

        TimeSpan offset;
        if (rest is "Z")
        {
            offset = TimeSpan.Zero;
        }
        else if (rest.Length == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':'
            && TryDigits(rest.Slice(1, 2), out var offsetHours) && TryDigits(rest.Slice(4, 2), out var offsetMinutes)
            && offsetHours < 24 && offsetMinutes < 60)
        {
            offset = new TimeSpan(offsetHours, offsetMinutes, 0);
            if (rest[0] == '-')
            {
                offset = -offset;
            }
        }
        else
        {
            return false;
        }

        if (year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month) || hour > 23 || minute > 59 || second > 59
            || offset.Duration() > TimeSpan.FromHours(14))
        {
            return false;
        }

        try
        {
            value = new DateTimeOffset(new DateTime(year, month, day, hour, minute, second).AddTicks(ticks), offset);
            return true;
        }
        catch (ArgumentOutOfRangeException)
        {
            // The UTC instant falls outside .NET's range (year 1 with a positive offset, year 9999 with a negative one).
            return false;
        }
    }

    private static bool TryDigits(ReadOnlySpan<char> digits, out int value)
    {
        value = 0;
        foreach (var c in digits)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }

            value = (value * 10) + (c - '0');
        }

        return true;
    }
}
