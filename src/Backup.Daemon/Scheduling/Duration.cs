using System.Globalization;
using System.Text.RegularExpressions;

namespace Backup.Daemon.Scheduling;

/// <summary>Durations as written in job files: "90s", "30m", "6h", "3d", "2w", or combined like "1h30m".</summary>
public static partial class Duration
{
    public static bool TryParse(string? text, out TimeSpan value, out string? error)
    {
        value = default;
        error = null;
        var trimmed = text?.Trim() ?? "";
        var match = DurationPattern().Match(trimmed);
        if (trimmed.Length == 0 || !match.Success)
        {
            error = $"\"{text}\" is not a duration: write a number with a unit s, m, h, d or w, e.g. \"6h\", \"3d\" or \"1h30m\"";
            return false;
        }

        try
        {
            foreach (Capture part in match.Groups["part"].Captures)
            {
                var unit = part.Value[^1];
                var amount = long.Parse(part.Value[..^1], CultureInfo.InvariantCulture);
                value += unit switch
                {
                    's' => TimeSpan.FromSeconds(amount),
                    'm' => TimeSpan.FromMinutes(amount),
                    'h' => TimeSpan.FromHours(amount),
                    'd' => TimeSpan.FromDays(amount),
                    _ => TimeSpan.FromDays(7 * amount),
                };
            }
        }
        catch (OverflowException)
        {
            // Many large parts ("999999w999999w…") pass the pattern but exceed TimeSpan: a parse error, not a crash.
            value = default;
            error = $"\"{text}\" is too long a duration";
            return false;
        }

        if (value <= TimeSpan.Zero)
        {
            error = $"\"{text}\" is not a positive duration";
            return false;
        }

        return true;
    }

    public static string Format(TimeSpan value)
    {
        if (value.TotalDays >= 1 && value.Ticks % TimeSpan.TicksPerDay == 0) return $"{(long)value.TotalDays}d";
        if (value.TotalHours >= 1 && value.Ticks % TimeSpan.TicksPerHour == 0) return $"{(long)value.TotalHours}h";
        if (value.TotalMinutes >= 1 && value.Ticks % TimeSpan.TicksPerMinute == 0) return $"{(long)value.TotalMinutes}m";
        return $"{(long)value.TotalSeconds}s";
    }

    [GeneratedRegex(@"^(?<part>[0-9]{1,6}[smhdw])+$", RegexOptions.CultureInvariant)]
    private static partial Regex DurationPattern();
}
