using System.Globalization;
using Serilog.Events;
using Serilog.Formatting.Json;
using Serilog.Parsing;

namespace Backup.Daemon.Logging;

/// <summary>
/// Text of journal entries: the MESSAGE as a person reads it, and property values as fields. Values
/// read the same in both — strings unquoted, times in ISO 8601, numbers invariant — and structured
/// values appear in the message as JSON.
/// </summary>
internal static class JournalMessage
{
    private static readonly JsonValueFormatter Json = new(typeTagName: null);

    /// <summary>The rendered message template. A property the event lacks stays as written ("{Name}"), as in Serilog.</summary>
    internal static string Render(LogEvent logEvent)
    {
        var writer = new StringWriter(CultureInfo.InvariantCulture);
        foreach (var token in logEvent.MessageTemplate.Tokens)
        {
            if (token is not PropertyToken property || !logEvent.Properties.TryGetValue(property.PropertyName, out var value))
            {
                token.Render(logEvent.Properties, writer, CultureInfo.InvariantCulture);
                continue;
            }

            var text = Value(value, property.Format);
            if (property.Alignment is { } alignment)
            {
                text = alignment.Direction == AlignmentDirection.Left ? text.PadRight(alignment.Width) : text.PadLeft(alignment.Width);
            }

            writer.Write(text);
        }

        return writer.ToString();
    }

    /// <summary>A property value as text; <paramref name="format"/> is the template's ":format", which wins for scalars.</summary>
    internal static string Value(LogEventPropertyValue value, string? format = null)
    {
        if (value is ScalarValue scalar)
        {
            return scalar.Value switch
            {
                null => "null",
                IFormattable formattable when format is not null => formattable.ToString(format, CultureInfo.InvariantCulture),
                var other => Scalar(other),
            };
        }

        var json = new StringWriter(CultureInfo.InvariantCulture);
        Json.Format(value, json);
        return json.ToString();
    }

    private static string Scalar(object scalar) => scalar switch
    {
        string s => s,
        bool b => b ? "true" : "false",
        DateTime t => t.ToString("O", CultureInfo.InvariantCulture),
        DateTimeOffset t => t.ToString("O", CultureInfo.InvariantCulture),
        TimeSpan t => t.ToString("c", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => scalar.ToString() ?? string.Empty,
    };
}
