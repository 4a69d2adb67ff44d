using Backup.Daemon.Logging;
using Serilog;
using Serilog.Events;

namespace Backup.Daemon.Tests.Logging;

/// <summary>The journal sink in a real Serilog pipeline, read back from a stand-in journald socket.</summary>
[Collection(ProcessStateCollection.Name)]
public sealed class JournalSinkTests
{
    private static ILogger Logger() =>
        new LoggerConfiguration().MinimumLevel.Verbose().WriteTo.Sink(new JournalSink()).CreateLogger();

    [JournalSocketFact]
    public void A_job_event_carries_its_properties_as_fields_and_its_event_id_as_MESSAGE_ID()
    {
        using var journal = new JournalCapture();

        Logger()
            .ForEvent(EventIds.JobSucceeded)
            .ForContext("Repository", "sftp:backup@nas:/srv/restic")
            .Information("Job {Job} wrote snapshot {Snapshot} ({SnapshotId})", "nightly", "1a2b3c4d", "1a2b3c4d5e6f");

        var entry = journal.Receive();
        Assert.Equal("Job nightly wrote snapshot 1a2b3c4d (1a2b3c4d5e6f)", entry["MESSAGE"]);
        Assert.Equal("6", entry["PRIORITY"]);
        Assert.Equal("backupd", entry["SYSLOG_IDENTIFIER"]);
        Assert.Equal(EventIds.JobSucceeded, entry["MESSAGE_ID"]);
        Assert.Equal("nightly", entry["JOB"]);
        Assert.Equal("1a2b3c4d", entry["SNAPSHOT"]);
        Assert.Equal("1a2b3c4d5e6f", entry["SNAPSHOT_ID"]);
        Assert.Equal("sftp:backup@nas:/srv/restic", entry["REPOSITORY"]);
        Assert.False(entry.Has("EVENT_ID"));
        Assert.False(entry.Has("ERROR"));
        Assert.Equal(8, entry.Fields.Count);
    }

    [JournalSocketTheory]
    [InlineData(LogEventLevel.Fatal, "2")]
    [InlineData(LogEventLevel.Error, "3")]
    [InlineData(LogEventLevel.Warning, "4")]
    [InlineData(LogEventLevel.Information, "6")]
    [InlineData(LogEventLevel.Debug, "7")]
    [InlineData(LogEventLevel.Verbose, "7")]
    public void Levels_map_to_syslog_priorities(LogEventLevel level, string priority)
    {
        using var journal = new JournalCapture();

        Logger().Write(level, "level {Level}", level);

        Assert.Equal(priority, journal.Receive()["PRIORITY"]);
    }

    [JournalSocketFact]
    public void An_exception_is_sent_whole_as_ERROR()
    {
        using var journal = new JournalCapture();
        var failure = Thrown(new IOException("No space left on device : '/mnt/usb/data/ab/cd'"));

        Logger().ForEvent(EventIds.JobFailed).Error(failure, "Job {Job} failed", "usb");

        var entry = journal.Receive();
        Assert.Equal("3", entry["PRIORITY"]);
        Assert.Equal(EventIds.JobFailed, entry["MESSAGE_ID"]);
        Assert.Equal("Job usb failed", entry["MESSAGE"]);
        Assert.Equal(failure.ToString(), entry["ERROR"]);
        Assert.StartsWith("System.IO.IOException: No space left on device", entry["ERROR"], StringComparison.Ordinal);
        Assert.Contains("\n", entry["ERROR"], StringComparison.Ordinal);
    }

    [JournalSocketFact]
    public void Scalars_are_formatted_invariantly_and_structured_values_stay_out_of_the_fields()
    {
        using var journal = new JournalCapture();

        Logger().Information(
            "Run of {Job}: {Files} files, {Ratio} ratio, took {Elapsed}, at {At}, dry {DryRun}, paths {Paths}, stats {@Stats}",
            "nightly", 1234567, 0.5, TimeSpan.FromSeconds(90), new DateTimeOffset(2026, 3, 1, 2, 30, 0, TimeSpan.FromHours(1)), false, new[] { "/home", "/etc" }, new { Added = 3 });

        var entry = journal.Receive();
        Assert.Equal("1234567", entry["FILES"]);
        Assert.Equal("0.5", entry["RATIO"]);
        Assert.Equal("00:01:30", entry["ELAPSED"]);
        Assert.Equal("2026-03-01T02:30:00.0000000+01:00", entry["AT"]);
        Assert.Equal("false", entry["DRY_RUN"]);
        Assert.False(entry.Has("PATHS"));
        Assert.False(entry.Has("STATS"));
        Assert.Equal(
            "Run of nightly: 1234567 files, 0.5 ratio, took 00:01:30, at 2026-03-01T02:30:00.0000000+01:00, dry false, paths [\"/home\",\"/etc\"], stats {\"Added\":3}",
            entry["MESSAGE"]);
    }

    [JournalSocketFact]
    public void Template_formats_and_alignment_apply_to_the_message_but_fields_keep_the_plain_value()
    {
        using var journal = new JournalCapture();

        Logger().Information("[{Job,-8}] {Percent:F1}% of {Size,6}, {Missing}", "usb", 42.26, 512);

        var entry = journal.Receive();
        Assert.Equal("[usb     ] 42.3% of    512, {Missing}", entry["MESSAGE"]);
        Assert.Equal("42.26", entry["PERCENT"]);
        Assert.Equal("512", entry["SIZE"]);
        Assert.Equal("usb", entry["JOB"]);
    }

    [JournalSocketFact]
    public void Properties_cannot_overwrite_the_message_priority_or_identifier()
    {
        using var journal = new JournalCapture();

        Logger().Information("{Message} at {Priority} from {SyslogIdentifier}", "fake", "0", "sshd");

        var entry = journal.Receive();
        Assert.Equal("fake at 0 from sshd", entry["MESSAGE"]);
        Assert.Equal("6", entry["PRIORITY"]);
        Assert.Equal("backupd", entry["SYSLOG_IDENTIFIER"]);
        Assert.Equal("fake", entry["PROPERTY_MESSAGE"]);
        Assert.Equal("0", entry["PROPERTY_PRIORITY"]);
        Assert.Equal("sshd", entry["PROPERTY_SYSLOG_IDENTIFIER"]);
    }

    [JournalSocketFact]
    public void An_EventId_that_is_not_an_id128_is_kept_as_a_field_but_not_used_as_MESSAGE_ID()
    {
        using var journal = new JournalCapture();

        Logger().ForContext(EventIds.PropertyName, "job-failed").Warning("odd id");
        Logger().ForContext(EventIds.PropertyName, "89C00985-1156-4371-98AC-94B498617734").Warning("dashed id");

        var odd = journal.Receive();
        Assert.False(odd.Has("MESSAGE_ID"));
        Assert.Equal("job-failed", odd["EVENT_ID"]);
        var dashed = journal.Receive();
        Assert.Equal("89c0098511564371" + "98ac94b498617734", dashed["MESSAGE_ID"]);
    }

    [JournalSocketFact]
    public void Without_journald_events_are_dropped_quietly()
    {
        using var absent = JournalSocketLock.Acquire();

        Logger().Information("nobody hears this");
    }

    private static Exception Thrown(Exception exception)
    {
        try
        {
            throw exception;
        }
        catch (Exception caught)
        {
            return caught;
        }
    }
}
