using System.Globalization;
using Backup.Linux.Systemd;
using Serilog.Core;
using Serilog.Events;

namespace Backup.Daemon.Logging;

/// <summary>
/// Writes Serilog events to the systemd journal as structured entries: MESSAGE, PRIORITY,
/// SYSLOG_IDENTIFIER, MESSAGE_ID from the EventId property, ERROR with the exception, and every scalar
/// property as an UPPER_SNAKE field (Job → JOB=, SnapshotId → SNAPSHOT_ID=), so that
/// <c>journalctl -u backupd JOB=nightly PRIORITY=3</c> answers "why did last night's backup fail".
/// </summary>
public sealed class JournalSink : ILogEventSink
{
    public const string DefaultIdentifier = "backupd";

    /// <summary>Prefix for a property whose field name would overwrite one the sink or journald gives a meaning.</summary>
    internal const string CollisionPrefix = "PROPERTY_";

    // Fields the sink writes itself, and fields journald and journalctl interpret: a property must not
    // pose as the entry's message, priority, origin or source location.
    private static readonly HashSet<string> Reserved = new(StringComparer.Ordinal)
    {
        "MESSAGE", "MESSAGE_ID", "PRIORITY", "ERROR",
        "SYSLOG_IDENTIFIER", "SYSLOG_FACILITY", "SYSLOG_PID", "SYSLOG_TIMESTAMP", "SYSLOG_RAW",
        "CODE_FILE", "CODE_LINE", "CODE_FUNC", "TID", "DOCUMENTATION",
        "INVOCATION_ID", "USER_INVOCATION_ID", "UNIT", "USER_UNIT",
    };

    private readonly string identifier;

    public JournalSink(string identifier = DefaultIdentifier)
    {
        ArgumentException.ThrowIfNullOrEmpty(identifier);
        this.identifier = identifier;
    }

    /// <summary>Sends the event; a refusal by journald surfaces as an exception, which Serilog reports through SelfLog.</summary>
    public void Emit(LogEvent logEvent) => Journal.Send(Fields(logEvent));

    /// <summary>The journal fields of an event, in the order they are sent.</summary>
    internal IReadOnlyList<KeyValuePair<string, string>> Fields(LogEvent logEvent)
    {
        ArgumentNullException.ThrowIfNull(logEvent);
        var fields = new List<KeyValuePair<string, string>>(logEvent.Properties.Count + 5)
        {
            new("MESSAGE", JournalMessage.Render(logEvent)),
            new("PRIORITY", Priority(logEvent.Level)),
            new("SYSLOG_IDENTIFIER", identifier),
        };

        if (logEvent.Exception is not null)
        {
            fields.Add(new("ERROR", logEvent.Exception.ToString()));
        }

        foreach (var (property, value) in logEvent.Properties)
        {
            if (value is not ScalarValue { Value: not null })
            {
                continue;
            }

            var text = JournalMessage.Value(value);
            if (property == EventIds.PropertyName && MessageId(text) is { } messageId)
            {
                fields.Add(new("MESSAGE_ID", messageId));
                continue;
            }

            if (JournalFieldName.FromPropertyName(property) is not { } name)
            {
                continue;
            }

            if (Reserved.Contains(name) || name.StartsWith("OBJECT_", StringComparison.Ordinal) || name.StartsWith("COREDUMP_", StringComparison.Ordinal))
            {
                name = (CollisionPrefix + name)[..Math.Min(CollisionPrefix.Length + name.Length, Journal.MaxFieldNameLength)];
            }

            fields.Add(new(name, text));
        }

        return fields;
    }

    /// <summary>syslog(3) priorities: Fatal is crit rather than emerg, which would be broadcast to every terminal.</summary>
    internal static string Priority(LogEventLevel level) => level switch
    {
        LogEventLevel.Fatal => "2",
        LogEventLevel.Error => "3",
        LogEventLevel.Warning => "4",
        LogEventLevel.Information => "6",
        _ => "7",
    };

    /// <summary>An sd-id128 as journald expects it in MESSAGE_ID (32 lower-case hex digits), from that form or a dashed UUID.</summary>
    internal static string? MessageId(string eventId) =>
        Guid.TryParseExact(eventId, "N", out var id) || Guid.TryParseExact(eventId, "D", out id) ? id.ToString("N") : null;
}
