using Backup.Core.FileSystem;
using Backup.Core.Model;

namespace Backup.Core.Tests.Model;

public class GoTimeTests
{
    private const long SecondsPerDay = 86_400;

    [Theory]
    [InlineData("2026-11-21T20:08:24.25262715Z")]
    [InlineData("2020-01-02T03:04:05Z")]
    [InlineData("2015-01-02T18:10:13.48307196+01:00")]
    [InlineData("2026-11-21T21:45:41.61275439Z")]
    [InlineData("1938-04-24T22:13:20.5Z")]
    [InlineData("2020-06-30T23:59:59.000000001-07:30")]
    [InlineData("0001-01-01T00:00:00Z")]
    [InlineData("0000-01-01T00:00:00Z")]
    [InlineData("9999-12-31T23:59:59.999999999Z")]
    [InlineData("2020-02-29T12:00:00+14:00")]
    public void ParseThenFormatGivesTheSameText(string text)
    {
        Assert.Equal(text, GoTime.Parse(text).ToString());
    }

    [Fact]
    public void ParseReadsInstantNanosecondsAndOffset()
    {
        Assert.Equal(new GoTime(1_577_934_245, 0, 0), GoTime.Parse("2020-01-02T03:04:05Z"));
        Assert.Equal(new GoTime(1_420_218_613, 483_071_960, 3600), GoTime.Parse("2015-01-02T18:10:13.48307196+01:00"));
        Assert.Equal(new GoTime(-1_000_000_000, 500_000_000, 0), GoTime.Parse("1938-04-24T22:13:20.5Z"));
        Assert.Equal(new GoTime(1_577_934_245 + 7 * 3600 + 1800, 0, -(7 * 3600 + 1800)), GoTime.Parse("2020-01-02T03:04:05-07:30"));
    }

    [Theory]
    [InlineData(0u, "2020-01-02T03:04:05Z")]
    [InlineData(100_000_000u, "2020-01-02T03:04:05.1Z")]
    [InlineData(120_000_000u, "2020-01-02T03:04:05.12Z")]
    [InlineData(252_627_150u, "2020-01-02T03:04:05.25262715Z")]
    [InlineData(1u, "2020-01-02T03:04:05.000000001Z")]
    [InlineData(999_999_999u, "2020-01-02T03:04:05.999999999Z")]
    public void FormatTrimsTrailingZerosOfTheFraction(uint nanoseconds, string expected)
    {
        Assert.Equal(expected, new GoTime(1_577_934_245, nanoseconds, 0).ToString());
    }

    [Fact]
    public void NineDigitNanosecondsSurviveARoundTripThatDateTimeCannotHold()
    {
        var time = GoTime.Parse("2026-11-21T20:08:24.123456789Z");

        Assert.Equal(123_456_789u, time.Nanoseconds);
        Assert.Equal("2026-11-21T20:08:24.123456789Z", time.ToString());
        Assert.Equal("2026-11-21T20:08:24.1234567Z", GoTime.FromTimespec(Timespec.FromDateTimeOffset(time.ToDateTimeOffset()), TimeZoneInfo.Utc).ToString());
    }

    [Fact]
    public void ZeroIsGosZeroTime()
    {
        Assert.Equal("0001-01-01T00:00:00Z", GoTime.Zero.ToString());
        Assert.Equal(GoTime.Zero, GoTime.Parse("0001-01-01T00:00:00Z"));
        Assert.True(GoTime.Zero.IsZero);
        Assert.False(default(GoTime).IsZero);
        Assert.Equal(DateTimeOffset.MinValue, GoTime.Zero.ToDateTimeOffset());
    }

    [Fact]
    public void OffsetZeroIsWrittenAsZ()
    {
        Assert.Equal("2020-01-02T03:04:05Z", GoTime.Parse("2020-01-02T03:04:05+00:00").ToString());
    }

    [Fact]
    public void MoreThanNineFractionDigitsAreCutLikeGo()
    {
        Assert.Equal(123_456_789u, GoTime.Parse("2020-01-02T03:04:05.1234567899Z").Nanoseconds);
    }

    [Theory]
    [InlineData("")]
    [InlineData("2020-01-02T03:04:05")]
    [InlineData("2020-01-02 03:04:05Z")]
    [InlineData("2020-01-02t03:04:05Z")]
    [InlineData("2020-01-02T03:04:05z")]
    [InlineData("2020-01-02T03:04:05.Z")]
    [InlineData("2020-13-02T03:04:05Z")]
    [InlineData("2020-00-02T03:04:05Z")]
    [InlineData("2021-02-29T03:04:05Z")]
    [InlineData("1900-02-29T03:04:05Z")]
    [InlineData("2020-04-31T03:04:05Z")]
    [InlineData("2020-01-02T24:00:00Z")]
    [InlineData("2020-01-02T03:60:00Z")]
    [InlineData("2020-01-02T03:04:60Z")]
    [InlineData("20-01-02T03:04:05Z")]
    [InlineData("+2020-01-02T03:04:05Z")]
    [InlineData("2020-01-02T03:04:05+0100")]
    [InlineData("2020-01-02T03:04:05+01:00 ")]
    [InlineData("2020-01-02T03:04:05ZZ")]
    public void InvalidTextIsRejected(string text)
    {
        Assert.False(GoTime.TryParse(text, out _));
        var e = Assert.Throws<FormatException>(() => GoTime.Parse(text));
        Assert.Contains($"\"{text}\"", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LeapDaysFollowTheGregorianRules()
    {
        Assert.True(GoTime.TryParse("2000-02-29T00:00:00Z", out _));
        Assert.True(GoTime.TryParse("0000-02-29T00:00:00Z", out _));
        Assert.False(GoTime.TryParse(null, out _));
    }

    [Fact]
    public void FromTimespecInUtcKeepsEveryNanosecond()
    {
        var time = GoTime.FromTimespec(new Timespec(1_577_934_245, 5), TimeZoneInfo.Utc);

        Assert.Equal(new GoTime(1_577_934_245, 5, 0), time);
        Assert.Equal("2020-01-02T03:04:05.000000005Z", time.ToString());
        Assert.Equal(new Timespec(1_577_934_245, 5), time.ToTimespec());
    }

    [Fact]
    public void FromTimespecUsesTheZonesOffsetAtThatInstant()
    {
        var berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");

        var winter = GoTime.FromTimespec(new Timespec(1_420_218_613, 483_071_960), berlin);
        var summer = GoTime.FromTimespec(new Timespec(1_593_561_600, 0), berlin);

        Assert.Equal("2015-01-02T18:10:13.48307196+01:00", winter.ToString());
        Assert.Equal("2020-07-01T02:00:00+02:00", summer.ToString());
    }

    [Fact]
    public void FromTimespecMovesYearsAfter9999ToTheBound()
    {
        var days = 366; // 9999-03-04 to 10000-03-04 passes 10000-02-29
        var after = GoTime.Parse("9999-03-04T05:06:07.5Z").UnixSeconds + (days * SecondsPerDay);

        Assert.Equal("10000-03-04T05:06:07.5Z", new GoTime(after, 500_000_000, 0).ToString());
        Assert.Equal("9999-03-04T05:06:07.5Z", GoTime.FromTimespec(new Timespec(after, 500_000_000), TimeZoneInfo.Utc).ToString());
    }

    [Fact]
    public void ClampingFebruary29IntoANonLeapYearGivesMarch1LikeGo()
    {
        var leapDay = GoTime.Parse("9999-02-28T00:00:00Z").UnixSeconds + (366 * SecondsPerDay);

        Assert.Equal("10000-02-29T00:00:00Z", new GoTime(leapDay, 0, 0).ToString());
        Assert.Equal("9999-03-01T00:00:00Z", GoTime.FromTimespec(new Timespec(leapDay, 0), TimeZoneInfo.Utc).ToString());
    }

    [Fact]
    public void FromTimespecMovesNegativeYearsToYearZero()
    {
        var before = GoTime.Parse("0000-06-01T00:00:00Z").UnixSeconds - (366 * SecondsPerDay);

        Assert.Equal("-0001-06-01T00:00:00Z", new GoTime(before, 0, 0).ToString());
        Assert.Equal(-1, new GoTime(before, 0, 0).Year);
        Assert.Equal("0000-06-01T00:00:00Z", GoTime.FromTimespec(new Timespec(before, 0), TimeZoneInfo.Utc).ToString());
        Assert.Equal("0000-06-01T00:00:00Z", new GoTime(before, 0, 0).ClampYear().ToString());
    }

    [Fact]
    public void ClampYearLeavesYearsInRangeAlone()
    {
        var time = GoTime.Parse("2015-01-02T18:10:13.48307196+01:00");

        Assert.Equal(time, time.ClampYear());
    }

    [Fact]
    public void ToDateTimeOffsetKeepsTheOffsetAndTruncatesToTicks()
    {
        var value = GoTime.Parse("2015-01-02T18:10:13.48307196+01:00").ToDateTimeOffset();

        Assert.Equal(new DateTimeOffset(2015, 1, 2, 18, 10, 13, TimeSpan.FromHours(1)).AddTicks(4_830_719), value);
        Assert.Equal(TimeSpan.FromHours(1), value.Offset);
    }

    [Fact]
    public void ToDateTimeOffsetRefusesYearZero()
    {
        Assert.Throws<InvalidOperationException>(() => GoTime.Parse("0000-06-01T00:00:00Z").ToDateTimeOffset());
    }

    [Fact]
    public void NowIsTheCurrentTimeInTheZone()
    {
        var before = DateTimeOffset.UtcNow;
        var now = GoTime.Now(TimeZoneInfo.Utc);
        var after = DateTimeOffset.UtcNow;

        Assert.Equal(0, now.OffsetSeconds);
        Assert.InRange(now.ToDateTimeOffset(), before, after);
    }

    [Fact]
    public void NanosecondsOfASecondOrMoreAreRejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new GoTime(0, 1_000_000_000, 0));
    }

    [Theory]
    [InlineData(-62_167_219_200L, 0)]
    [InlineData(-62_167_219_200L, 3600)]
    [InlineData(-62_167_219_200L, -3600)]
    [InlineData(253_402_300_799L, 0)]
    [InlineData(253_402_300_799L, 3600)]
    [InlineData(253_402_300_799L, -3600)]
    public void FourDigitYearsEndExactlyWhereTheLocalYearLeaves0000To9999(long localSeconds, int offset)
    {
        // The instants one second either side of each bound, in local time of the given offset.
        foreach (var local in new[] { localSeconds - 1, localSeconds, localSeconds + 1 })
        {
            var time = new GoTime(local - offset, 0, offset);
            Assert.Equal(time.Year is >= 0 and <= 9999, time.HasFourDigitYear);
            Assert.Equal(time.HasFourDigitYear, time.ClampYear() == time);
        }
    }
}
