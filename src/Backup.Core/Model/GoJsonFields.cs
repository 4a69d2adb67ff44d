using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Backup.Core.Model;

/// <summary>
/// Reading JSON values the way Go's <c>encoding/json</c> fills struct fields: keys match case-insensitively,
/// <c>null</c> leaves a value field unchanged and sets an ID pointer, list or byte slice to nil, and a value
/// of the wrong JSON type is an error. Each reader is positioned on the property name and moves to its value.
/// </summary>
internal static class GoJsonFields
{
    /// <summary>
    /// Lower-case property names as restic writes them; a name spelled exactly so is returned without
    /// allocating (a tree of a thousand nodes has some twenty thousand of them).
    /// </summary>
    private static readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> KnownKeys = new HashSet<string>(
    [
        "name", "type", "mode", "mtime", "atime", "ctime", "uid", "gid", "user", "group", "inode", "device_id",
        "size", "links", "linktarget", "linktarget_raw", "extended_attributes", "device", "content", "subtree",
        "generic_attributes", "value", "nodes", "time", "parent", "tree", "paths", "hostname", "username",
        "excludes", "tags", "original", "program_version", "summary",
    ], StringComparer.Ordinal).GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>The current property name, folded so it can be compared with lower-case keys.</summary>
    public static string Key(ref Utf8JsonReader reader)
    {
        var raw = reader.ValueSpan;
        if (!reader.ValueIsEscaped && !reader.HasValueSequence && raw.Length <= 32)
        {
            Span<char> ascii = stackalloc char[raw.Length];
            var plain = true;
            for (var i = 0; i < raw.Length; i++)
            {
                var b = raw[i];
                plain &= b is (>= (byte)'a' and <= (byte)'z') or (byte)'_';
                ascii[i] = (char)b;
            }

            // Lower-case ASCII folds to itself, so a known name needs no folding.
            if (plain && KnownKeys.TryGetValue(ascii, out var known))
            {
                return known;
            }
        }

        // Go folds with Unicode simple folding, under which the Kelvin sign is 'k' and long s is 's'.
        var name = reader.GetString()!.Replace('\u212A', 'k').Replace('\u017F', 's');
        return name.ToLowerInvariant();
    }

    public static void Skip(ref Utf8JsonReader reader)
    {
        reader.Read();
        reader.Skip();
    }

    public static string? String(ref Utf8JsonReader reader, string field, string? current)
    {
        reader.Read();
        return reader.TokenType switch
        {
            JsonTokenType.String => GetString(ref reader),
            JsonTokenType.Null => current,
            _ => throw WrongType(ref reader, field, "a string"),
        };
    }

    public static uint UInt32(ref Utf8JsonReader reader, string field, uint current)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.Null)
        {
            return current;
        }

        if (reader.TokenType != JsonTokenType.Number || !reader.TryGetUInt32(out var value))
        {
            throw WrongType(ref reader, field, "an unsigned 32-bit integer");
        }

        return value;
    }

    public static ulong UInt64(ref Utf8JsonReader reader, string field, ulong current)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.Null)
        {
            return current;
        }

        if (reader.TokenType != JsonTokenType.Number || !reader.TryGetUInt64(out var value))
        {
            throw WrongType(ref reader, field, "an unsigned 64-bit integer");
        }

        return value;
    }

    public static long Int64(ref Utf8JsonReader reader, string field, long current)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.Null)
        {
            return current;
        }

        if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out var value))
        {
            throw WrongType(ref reader, field, "a 64-bit integer");
        }

        return value;
    }

    public static GoTime Time(ref Utf8JsonReader reader, string field, GoTime current)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.Null)
        {
            return current;
        }

        if (reader.TokenType != JsonTokenType.String)
        {
            throw WrongType(ref reader, field, "an RFC 3339 time string");
        }

        // Three times in every node: parsed from a stack copy, not from a string of their own.
        Span<char> buffer = stackalloc char[64];
        if (reader.ValueSpan.Length <= buffer.Length && !reader.HasValueSequence)
        {
            var length = reader.CopyString(buffer);
            if (GoTime.TryParse(buffer[..length], out var parsed))
            {
                return parsed;
            }
        }

        var text = reader.GetString();
        return GoTime.TryParse(text, out var value)
            ? value
            : throw new FormatException($"field \"{field}\": \"{text}\" is not an RFC 3339 time");
    }

    public static Id? IdOrNull(ref Utf8JsonReader reader, string field)
    {
        reader.Read();
        return reader.TokenType == JsonTokenType.Null ? null : ReadId(ref reader, field);
    }

    public static List<Id>? IdList(ref Utf8JsonReader reader, string field)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw WrongType(ref reader, field, "a list of IDs");
        }

        var ids = new List<Id>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            ids.Add(ReadId(ref reader, field));
        }

        return ids;
    }

    public static List<string>? StringList(ref Utf8JsonReader reader, string field)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw WrongType(ref reader, field, "a list of strings");
        }

        var values = new List<string>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            values.Add(reader.TokenType switch
            {
                JsonTokenType.String => GetString(ref reader),
                JsonTokenType.Null => string.Empty,
                _ => throw WrongType(ref reader, field, "a list of strings"),
            });
        }

        return values;
    }

    /// <summary>A <c>[]byte</c> value: standard base64, or <c>null</c>.</summary>
    public static byte[]? Bytes(ref Utf8JsonReader reader, string field)
    {
        reader.Read();
        return reader.TokenType == JsonTokenType.Null ? null : ReadBytes(ref reader, field);
    }

    public static byte[] ReadBytes(ref Utf8JsonReader reader, string field)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            throw WrongType(ref reader, field, "a base64 string");
        }

        var text = reader.GetString()!;
        try
        {
            return Convert.FromBase64String(text);
        }
        catch (FormatException)
        {
            throw new FormatException($"field \"{field}\": \"{text}\" is not base64");
        }
    }

    /// <summary>
    /// The value of a string token. Go's encoder writes U+FFFD as the escape <c>\ufffd</c> only in place of
    /// a byte that was not UTF-8 (a real U+FFFD is written as itself), so that escape is read as
    /// <see cref="GoJson.LostByte"/>: writing the string again gives the same bytes.
    /// </summary>
    public static string GetString(ref Utf8JsonReader reader)
    {
        if (!reader.ValueIsEscaped)
        {
            return reader.GetString()!;
        }

        ReadOnlySpan<byte> raw = reader.HasValueSequence ? reader.ValueSequence.ToArray() : reader.ValueSpan;
        var text = new StringBuilder(raw.Length);
        var run = 0;
        var i = 0;
        while (i < raw.Length)
        {
            if (raw[i] != (byte)'\\')
            {
                i++;
                continue;
            }

            text.Append(Encoding.UTF8.GetString(raw[run..i]));
            var escape = raw[i + 1];
            i += 2;
            if (escape != (byte)'u')
            {
                text.Append(escape switch
                {
                    (byte)'b' => '\b',
                    (byte)'f' => '\f',
                    (byte)'n' => '\n',
                    (byte)'r' => '\r',
                    (byte)'t' => '\t',
                    _ => (char)escape,
                });
            }
            else
            {
                var unit = Hex4(raw[i..]);
                i += 4;
                if (unit == 0xFFFD)
                {
                    text.Append(GoJson.LostByte);
                }
                else if (char.IsHighSurrogate(unit) && i + 6 <= raw.Length && raw[i] == (byte)'\\' && raw[i + 1] == (byte)'u'
                    && char.IsLowSurrogate(Hex4(raw[(i + 2)..])))
                {
                    text.Append(unit).Append(Hex4(raw[(i + 2)..]));
                    i += 6;
                }
                else
                {
                    // Like Go, an unpaired surrogate escape reads as U+FFFD.
                    text.Append(char.IsSurrogate(unit) ? '\uFFFD' : unit);
                }
            }

            run = i;
        }

        text.Append(Encoding.UTF8.GetString(raw[run..]));
        return text.ToString();
    }

    public static void ExpectStartObject(ref Utf8JsonReader reader, string what)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw WrongType(ref reader, what, "an object");
        }
    }

    public static FormatException WrongType(ref Utf8JsonReader reader, string field, string expected) =>
        new($"field \"{field}\": expected {expected}, not {Describe(reader.TokenType)}");

    private static Id ReadId(ref Utf8JsonReader reader, string field)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            throw WrongType(ref reader, field, "an ID string");
        }

        var text = reader.GetString();
        return Model.Id.TryParse(text, out var id)
            ? id
            : throw new FormatException($"field \"{field}\": \"{text}\" is not an ID (64 hex characters)");
    }

    private static char Hex4(ReadOnlySpan<byte> hex)
    {
        var value = 0;
        for (var i = 0; i < 4; i++)
        {
            var c = hex[i];
            value = (value << 4) | (c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
        }

        return (char)value;
    }

    private static string Describe(JsonTokenType token) => token switch
    {
        JsonTokenType.StartObject => "an object",
        JsonTokenType.StartArray => "a list",
        JsonTokenType.String => "a string",
        JsonTokenType.Number => "a number out of range or with a fraction",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        JsonTokenType.Null => "null",
        _ => token.ToString(),
    };
}
