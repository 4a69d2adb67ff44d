using Backup.Linux.Systemd;
using Serilog;
using Serilog.Core;
using Serilog.Events;

namespace Backup.Daemon.Logging;

/// <summary>How backupd logs: natively to the journal under systemd, otherwise compact lines on stderr.</summary>
public static class LogSetup
{
    /// <summary>The property that names the job an event belongs to.</summary>
    public const string JobProperty = "Job";

    internal const string ConsoleTemplate = "{Timestamp:yyyy-MM-dd HH:mm:ss.fff} {Level:u3} {" + JobLabelEnricher.PropertyName + ":l}{Message:lj}{NewLine}{Exception}";

    /// <summary>
    /// The daemon's logger. With <paramref name="journal"/> true the journal is used when systemd started
    /// the process and journald is there (<see cref="Journal.IsPreferred"/>: JOURNAL_STREAM names our
    /// stderr, or INVOCATION_ID is set); false forces stderr, e.g. for a foreground run in a terminal.
    /// </summary>
    public static Logger Create(bool journal, LogEventLevel minimumLevel = LogEventLevel.Information) =>
        Create(journal && Journal.IsPreferred, minimumLevel, JournalSink.DefaultIdentifier);

    internal static Logger Create(bool useJournal, LogEventLevel minimumLevel, string identifier)
    {
        var configuration = new LoggerConfiguration().MinimumLevel.Is(minimumLevel);
        if (useJournal)
        {
            return configuration.WriteTo.Sink(new JournalSink(identifier)).CreateLogger();
        }

        // Everything on stderr: stdout stays free for output meant for programs, and a unit without a
        // journal socket still gets stderr into its log.
        return configuration
            .Enrich.With<JobLabelEnricher>()
            .WriteTo.Console(outputTemplate: ConsoleTemplate, standardErrorFromLevel: LogEventLevel.Verbose, formatProvider: System.Globalization.CultureInfo.InvariantCulture)
            .CreateLogger();
    }

    /// <summary>Adds "[job] " before console messages that belong to a job, and nothing to those that do not.</summary>
    private sealed class JobLabelEnricher : ILogEventEnricher
    {
        internal const string PropertyName = "JobLabel";

        public void Enrich(LogEvent logEvent, ILogEventPropertyFactory propertyFactory)
        {
            var label = logEvent.Properties.TryGetValue(JobProperty, out var job) && job is ScalarValue { Value: { } name }
                ? $"[{name}] "
                : string.Empty;
            logEvent.AddPropertyIfAbsent(new LogEventProperty(PropertyName, new ScalarValue(label)));
        }
    }
}
