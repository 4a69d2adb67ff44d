using System.Buffers.Binary;
using System.Text;
using Backup.Linux.Systemd;

namespace Backup.Linux.Tests.Systemd;

/// <summary>Journal.Send against a stand-in journald socket, checked at the level of the native protocol.</summary>
[Collection(ProcessStateCollection.Name)]
public sealed class JournalSendTests
{
    [JournalSocketFact]
    public void Every_field_arrives_as_sent_and_nothing_else()
    {
        using var journal = new JournalCapture();

        var sent = Journal.Send(
        [
            new("MESSAGE", "backup of job nightly finished"),
            new("PRIORITY", "6"),
            new("JOB", "nightly"),
            new("REPOSITORY", "/srv/backup/Größe ✓"),
            new("EMPTY", ""),
            new("SYSLOG_IDENTIFIER", "backupd"),
        ]);

        Assert.True(sent);
        var entry = journal.Receive();
        Assert.Equal(
            ["MESSAGE=backup of job nightly finished", "PRIORITY=6", "JOB=nightly", "REPOSITORY=/srv/backup/Größe ✓", "EMPTY=", "SYSLOG_IDENTIFIER=backupd"],
            entry.Fields.Select(f => $"{f.Name}={f.Text}"));
        Assert.All(entry.Fields, f => Assert.False(f.Binary));
        Assert.False(journal.HasPending);
    }

    [JournalSocketFact]
    public void A_value_with_line_breaks_is_sent_length_prefixed_and_cannot_add_fields()
    {
        using var journal = new JournalCapture();
        const string message = "could not read /home/a\nPRIORITY=0\nline three\n";

        Assert.True(Journal.Send([new("MESSAGE", message), new("PRIORITY", "4")]));

        var entry = journal.Receive();
        Assert.Equal(["MESSAGE", "PRIORITY", "SYSLOG_IDENTIFIER"], entry.Fields.Select(f => f.Name));
        Assert.True(entry.Fields[0].Binary);
        Assert.Equal(message, entry["MESSAGE"]);
        Assert.Equal("4", entry["PRIORITY"]);

        // Without an identifier of ours, libsystemd names the program (the test host runs as "dotnet").
        Assert.Equal("dotnet", entry["SYSLOG_IDENTIFIER"]);

        var bytes = Encoding.UTF8.GetBytes(message);
        var expected = new byte[8 + 8 + bytes.Length + 1];
        "MESSAGE\n"u8.CopyTo(expected);
        BinaryPrimitives.WriteUInt64LittleEndian(expected.AsSpan(8), (ulong)bytes.Length);
        bytes.CopyTo(expected, 16);
        expected[^1] = (byte)'\n';
        Assert.Equal(expected, entry.Raw.Take(expected.Length));
    }

    [JournalSocketFact]
    public void Is_available_while_journald_listens()
    {
        using var journal = new JournalCapture();

        Assert.True(Journal.IsAvailable);
    }

    [JournalSocketFact]
    public void Without_journald_nothing_is_sent_and_Send_returns_false()
    {
        using var absent = JournalSocketLock.Acquire();

        Assert.False(Journal.IsAvailable);
        Assert.False(Journal.Send([new("MESSAGE", "lost")]));
    }

    [JournalSocketFact]
    public void Preferred_only_when_started_by_systemd_and_journald_is_there()
    {
        using (var journal = new JournalCapture())
        {
            using (NativeEnvironment.Set(("INVOCATION_ID", "0123456789abcdef0123456789abcdef"), ("JOURNAL_STREAM", null)))
            {
                Assert.True(Journal.IsPreferred);
            }

            using (NativeEnvironment.Set(("INVOCATION_ID", null), ("JOURNAL_STREAM", null)))
            {
                Assert.False(Journal.IsPreferred);
            }
        }

        using var absent = JournalSocketLock.Acquire();
        using var started = NativeEnvironment.Set(("INVOCATION_ID", "0123456789abcdef0123456789abcdef"));
        Assert.False(Journal.IsPreferred);
    }
}
