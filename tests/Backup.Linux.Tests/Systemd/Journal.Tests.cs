using Backup.Linux.Systemd;
using Backup.Linux.Tests.Infrastructure;

namespace Backup.Linux.Tests.Systemd;

/// <summary>What Journal checks before anything is sent: field names, and whether stderr is the journal.</summary>
[Collection(ProcessStateCollection.Name)]
public sealed class JournalTests
{
    [Theory]
    [InlineData("MESSAGE")]
    [InlineData("JOB")]
    [InlineData("SNAPSHOT_ID")]
    [InlineData("A")]
    [InlineData("X_2")]
    [InlineData("ABCDEFGHIJKLMNOPQRSTUVWXYZ_0123456789_ABCDEFGHIJKLMNOPQRSTUVWXYZ")]
    public void Valid_field_names(string name)
    {
        Assert.Equal(64, "ABCDEFGHIJKLMNOPQRSTUVWXYZ_0123456789_ABCDEFGHIJKLMNOPQRSTUVWXYZ".Length);
        Assert.True(Journal.IsValidFieldName(name));
    }

    [Theory]
    [InlineData("")]
    [InlineData("job")]
    [InlineData("Job")]
    [InlineData("_PID")]
    [InlineData("_")]
    [InlineData("1JOB")]
    [InlineData("JOB-NAME")]
    [InlineData("JOB NAME")]
    [InlineData("JOB=X")]
    [InlineData("GRÖSSE")]
    [InlineData("ABCDEFGHIJKLMNOPQRSTUVWXYZ_0123456789_ABCDEFGHIJKLMNOPQRSTUVWXYZA")]
    public void Invalid_field_names_are_refused_before_anything_is_sent(string name)
    {
        Assert.False(Journal.IsValidFieldName(name));

        var error = Assert.Throws<ArgumentException>(() => Journal.Send([new("MESSAGE", "x"), new(name, "value")]));

        Assert.Contains($"'{name}' is not a journal field name", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_entry_needs_a_field()
    {
        Assert.Throws<ArgumentException>(() => Journal.Send([]));
    }

    [Fact]
    public void Stderr_is_the_journal_when_JOURNAL_STREAM_names_its_device_and_inode()
    {
        // stat(1) follows /proc/PID/fd/2 to whatever stderr is (a pipe here) and prints st_dev:st_ino.
        var stream = Shell.Ok($"stat -L -c '%d:%i' /proc/{Environment.ProcessId}/fd/2").StdOut.Trim();
        var parts = stream.Split(':');
        var otherInode = $"{parts[0]}:{ulong.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture) + 1}";

        using (NativeEnvironment.Set(("JOURNAL_STREAM", stream)))
        {
            Assert.True(Journal.IsStderrConnected);
        }

        foreach (var value in new[] { otherInode, "", "garbage", $"{parts[0]}", $"{parts[0]}:", "-1:5" })
        {
            using (NativeEnvironment.Set(("JOURNAL_STREAM", value)))
            {
                Assert.False(Journal.IsStderrConnected, $"JOURNAL_STREAM={value}");
            }
        }

        using (NativeEnvironment.Set(("JOURNAL_STREAM", null)))
        {
            Assert.False(Journal.IsStderrConnected);
        }
    }
}
