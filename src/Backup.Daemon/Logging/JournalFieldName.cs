using System.Text;
using Backup.Linux.Systemd;

namespace Backup.Daemon.Logging;

/// <summary>Log property names as journal field names: "SnapshotId" becomes SNAPSHOT_ID, "HTTPStatus" HTTP_STATUS.</summary>
internal static class JournalFieldName
{
    /// <summary>
    /// The UPPER_SNAKE form of a property name: a word boundary (lower or digit to upper, or the last
    /// capital of an acronym before a lower-case letter) becomes '_', and so does any run of characters
    /// a field name cannot hold. Null when nothing usable is left (positional "{0}" properties).
    /// </summary>
    internal static string? FromPropertyName(string propertyName)
    {
        var builder = new StringBuilder(propertyName.Length + 4);
        for (var i = 0; i < propertyName.Length; i++)
        {
            var c = propertyName[i];
            if (!char.IsAsciiLetterOrDigit(c))
            {
                AppendSeparator(builder);
                continue;
            }

            if (char.IsAsciiLetterUpper(c) && i > 0)
            {
                var previous = propertyName[i - 1];
                var next = i + 1 < propertyName.Length ? propertyName[i + 1] : '\0';
                if (char.IsAsciiLetterLower(previous) || char.IsAsciiDigit(previous) || (char.IsAsciiLetterUpper(previous) && char.IsAsciiLetterLower(next)))
                {
                    AppendSeparator(builder);
                }
            }

            builder.Append(char.ToUpperInvariant(c));
        }

        var name = builder.ToString().Trim('_');
        if (name.Length > Journal.MaxFieldNameLength)
        {
            name = name[..Journal.MaxFieldNameLength].TrimEnd('_');
        }

        return Journal.IsValidFieldName(name) ? name : null;
    }

    private static void AppendSeparator(StringBuilder builder)
    {
        if (builder.Length > 0 && builder[^1] != '_')
        {
            builder.Append('_');
        }
    }
}
