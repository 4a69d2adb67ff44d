using System.Globalization;
using System.Text;
using Backup.Linux.Systemd;
using Serilog.Core;
using Serilog.Events;

namespace Backup.Daemon.Logging;

/// <summary>
/// Writes log events to the journal with structured fields: PRIORITY from the level, MESSAGE,
/// SYSLOG_IDENTIFIER, every scalar property as an upper-case field (Job -> JOB=, SnapshotId ->
/// SNAPSHOT_ID=), the exception as ERROR=, and MESSAGE_ID from an "EventId" property.
/// </summary>
public sealed class JournalSink : ILogEventSink
{
    public void Emit(LogEvent logEvent)
    {
        var fields = new List<KeyValuePair<string, string>>
        {
            new("MESSAGE", logEvent.RenderMessage(CultureInfo.InvariantCulture)),
            new("PRIORITY", Priority(logEvent.Level)),
            new("SYSLOG_IDENTIFIER", "backupd"),
        };
        foreach (var (name, value) in logEvent.Properties)
        {
            if (value is not ScalarValue { Value: var scalar } || scalar is null)
            {
                continue;
            }

            var text = Convert.ToString(scalar, CultureInfo.InvariantCulture) ?? "";
            if (name == "EventId")
            {
                fields.Add(new("MESSAGE_ID", text));
                continue;
            }

            var field = FieldName(name);
            if (Journal.IsValidFieldName(field))
            {
                fields.Add(new(field, text));
            }
        }

        if (logEvent.Exception is { } exception)
        {
            fields.Add(new("ERROR", exception.ToString()));
        }

        Journal.Send(fields);
    }

    /// <summary>syslog(3) priorities as journald expects them.</summary>
    public static string Priority(LogEventLevel level) => level switch
    {
        LogEventLevel.Fatal => "2",
        LogEventLevel.Error => "3",
        LogEventLevel.Warning => "4",
        LogEventLevel.Information => "6",
        _ => "7",
    };

    /// <summary>"SnapshotId" -> "SNAPSHOT_ID"; journal field names are upper case with underscores.</summary>
    public static string FieldName(string property)
    {
        var builder = new StringBuilder(property.Length + 4);
        for (var i = 0; i < property.Length; i++)
        {
            var c = property[i];
            if (char.IsUpper(c) && i > 0 && !char.IsUpper(property[i - 1]))
            {
                builder.Append('_');
            }

            builder.Append(char.IsLetterOrDigit(c) ? char.ToUpperInvariant(c) : '_');
        }

        return builder.ToString().TrimStart('_');
    }
}
