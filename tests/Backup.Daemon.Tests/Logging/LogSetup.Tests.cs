using Backup.Daemon.Logging;

namespace Backup.Daemon.Tests.Logging;

/// <summary>Which sink LogSetup.Create picks, and what each writes.</summary>
[Collection(ProcessStateCollection.Name)]
public sealed class LogSetupTests
{
    private const string InvocationId = "0123456789abcdef0123456789abcdef";

    [JournalSocketFact]
    public void Under_systemd_with_journald_events_go_to_the_journal()
    {
        using var journal = new JournalCapture();
        using var started = Environment(("INVOCATION_ID", InvocationId), ("JOURNAL_STREAM", null));
        using var stderr = new CapturedStandardError();

        using (var logger = LogSetup.Create(journal: true))
        {
            logger.ForEvent(EventIds.DaemonStarted).Information("backupd {Version} started", "1.0");
        }

        var entry = journal.Receive();
        Assert.Equal("backupd 1.0 started", entry["MESSAGE"]);
        Assert.Equal(EventIds.DaemonStarted, entry["MESSAGE_ID"]);
        Assert.Equal("backupd", entry["SYSLOG_IDENTIFIER"]);
        Assert.Equal(string.Empty, stderr.Text);
    }

    [JournalSocketFact]
    public void Journal_off_writes_to_stderr_even_under_systemd()
    {
        using var journal = new JournalCapture();
        using var started = Environment(("INVOCATION_ID", InvocationId));
        using var stderr = new CapturedStandardError();

        using (var logger = LogSetup.Create(journal: false))
        {
            logger.Information("Job {Job} started", "nightly");
        }

        Assert.Contains("INF [nightly] Job nightly started", stderr.Text, StringComparison.Ordinal);
        Assert.False(journal.HasPending);
    }

    [JournalSocketFact]
    public void Started_by_hand_with_journald_running_logs_to_stderr()
    {
        using var journal = new JournalCapture();
        using var byHand = Environment(("INVOCATION_ID", null), ("JOURNAL_STREAM", null));
        using var stderr = new CapturedStandardError();

        using (var logger = LogSetup.Create(journal: true))
        {
            logger.Warning("Destination {Destination} is not mounted", "usb");
        }

        Assert.Matches(@"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} WRN Destination usb is not mounted\n$", stderr.Text);
        Assert.False(journal.HasPending);
    }

    [JournalSocketFact]
    public void Under_systemd_without_journald_logs_to_stderr()
    {
        using var absent = JournalSocketLock.Acquire();
        using var started = Environment(("INVOCATION_ID", InvocationId));
        using var stderr = new CapturedStandardError();

        using (var logger = LogSetup.Create(journal: true))
        {
            logger.Error(new InvalidOperationException("bad yaml"), "Job {Job} has an invalid configuration", "x");
        }

        Assert.Contains("ERR [x] Job x has an invalid configuration\nSystem.InvalidOperationException: bad yaml", stderr.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Levels_below_the_minimum_are_not_written()
    {
        using var stderr = new CapturedStandardError();

        using (var logger = LogSetup.Create(journal: false, Serilog.Events.LogEventLevel.Warning))
        {
            logger.Information("quiet");
            logger.Warning("loud");
        }

        Assert.DoesNotContain("quiet", stderr.Text, StringComparison.Ordinal);
        Assert.Contains("WRN loud", stderr.Text, StringComparison.Ordinal);
    }

    /// <summary>Sets environment variables (LogSetup reads .NET's copy) until disposed.</summary>
    private static Restore Environment(params (string Name, string? Value)[] variables)
    {
        var saved = variables.Select(v => (v.Name, System.Environment.GetEnvironmentVariable(v.Name))).ToList();
        foreach (var (name, value) in variables)
        {
            System.Environment.SetEnvironmentVariable(name, value);
        }

        return new Restore(() => saved.ForEach(s => System.Environment.SetEnvironmentVariable(s.Name, s.Item2)));
    }

    private sealed class Restore(Action restore) : IDisposable
    {
        public void Dispose() => restore();
    }

    /// <summary>Console.Error redirected into a buffer while the instance lives.</summary>
    private sealed class CapturedStandardError : IDisposable
    {
        private readonly TextWriter original = Console.Error;
        private readonly StringWriter buffer = new();

        public CapturedStandardError() => Console.SetError(buffer);

        public string Text => buffer.ToString();

        public void Dispose() => Console.SetError(original);
    }
}
