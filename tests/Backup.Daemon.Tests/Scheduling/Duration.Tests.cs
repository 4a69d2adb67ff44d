using Backup.Daemon.Scheduling;

namespace Backup.Daemon.Tests.Scheduling;

public sealed class DurationTests
{
    [Theory]
    [InlineData("90s", 90)]
    [InlineData("30m", 30 * 60)]
    [InlineData("6h", 6 * 3600)]
    [InlineData("3d", 3 * 86400)]
    [InlineData("2w", 14 * 86400)]
    [InlineData("1h30m", 5400)]
    [InlineData(" 1d12h ", 36 * 3600)]
    [InlineData("1w1d1h1m1s", 8 * 86400 + 3661)]
    public void Parses_units_and_combinations(string text, long seconds)
    {
        Assert.True(Duration.TryParse(text, out var value, out var error), error);
        Assert.Null(error);
        Assert.Equal(TimeSpan.FromSeconds(seconds), value);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("6")]
    [InlineData("h")]
    [InlineData("6 h")]
    [InlineData("1y")]
    [InlineData("-1h")]
    [InlineData("1.5h")]
    [InlineData("1234567s")]
    public void Rejects_what_is_not_a_duration_with_a_hint(string? text)
    {
        Assert.False(Duration.TryParse(text, out _, out var error));
        Assert.Contains("is not a duration", error);
    }

    [Theory]
    [InlineData("0s")]
    [InlineData("0h0m")]
    public void Rejects_zero(string text)
    {
        Assert.False(Duration.TryParse(text, out _, out var error));
        Assert.Contains("not a positive duration", error);
    }

    [Fact]
    public void Too_long_a_duration_is_an_error_not_an_exception()
    {
        var text = string.Concat(Enumerable.Repeat("999999w", 10));
        Assert.False(Duration.TryParse(text, out var value, out var error));
        Assert.Equal(TimeSpan.Zero, value);
        Assert.Contains("too long", error);
    }

    [Theory]
    [InlineData(86400 * 3, "3d")]
    [InlineData(3600 * 36, "36h")]
    [InlineData(5400, "90m")]
    [InlineData(90, "90s")]
    [InlineData(7 * 86400, "7d")]
    public void Formats_in_the_largest_whole_unit(long seconds, string expected) =>
        Assert.Equal(expected, Duration.Format(TimeSpan.FromSeconds(seconds)));

    [Theory]
    [InlineData("1h30m")]
    [InlineData("2w")]
    [InlineData("45s")]
    [InlineData("25h")]
    public void Format_parses_back_to_the_same_value(string text)
    {
        Assert.True(Duration.TryParse(text, out var value, out _));
        Assert.True(Duration.TryParse(Duration.Format(value), out var again, out _));
        Assert.Equal(value, again);
    }
}
