using System.Buffers;
using System.Text;

namespace Backup.Core.Model;

/// <summary>
/// String encoding of Go 1.19's <c>encoding/json</c> (restic 0.14 is built with go1.19.8), byte for byte:
/// HTML-safe escapes for <c>&lt; &gt; &amp;</c>, <c>\u2028</c>/<c>\u2029</c>, short escapes only for
/// <c>\n \r \t \" \\</c> (Go 1.19 writes <c>\b</c> and <c>\f</c> as <c>\u0008</c> and <c>\u000c</c>), other
/// control bytes as <c>\u00XX</c>, DEL as itself, and every byte of invalid UTF-8 as <c>\ufffd</c>.
/// </summary>
public static class GoJson
{
    /// <summary>
    /// Stands for a byte that was not UTF-8 and that a Go JSON writer replaced by <c>\ufffd</c>, so its value
    /// is lost (restic 0.14 link targets, xattr names, user names). It is written back as <c>\ufffd</c>, and
    /// <see cref="FileSystem.PathEncoding.Encode"/> turns it into U+FFFD's UTF-8, which is what restic restores.
    /// </summary>
    public const char LostByte = '\uDC00';

    private const string LowerHex = "0123456789abcdef";

    /// <summary>
    /// Whether a JSON object key selects the struct field <paramref name="field"/> (ASCII), as Go 1.19 matches them:
    /// ASCII case-insensitively, plus the two non-ASCII folds Go knows for ASCII letters (ſ for s, the Kelvin sign for k).
    /// </summary>
    public static bool KeyMatches(string key, string field)
    {
        if (key.Length != field.Length)
        {
            return false;
        }

        for (var i = 0; i < key.Length; i++)
        {
            var f = char.ToLowerInvariant(field[i]);
            var k = key[i];
            var same = k < 0x80
                ? char.ToLowerInvariant(k) == f
                : (f == 's' && k == '\u017f') || (f == 'k' && k == '\u212a');
            if (!same)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Writes <paramref name="value"/> as a quoted JSON string. The value is a Go string in
    /// <see cref="FileSystem.PathEncoding"/> form: each lone surrogate stands for one byte that is not valid
    /// UTF-8 and is written as <c>\ufffd</c>, as Go does.
    /// </summary>
    public static void WriteString(StringBuilder destination, string value)
    {
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentNullException.ThrowIfNull(value);
        var sink = new StringBuilderSink(destination);
        Write(ref sink, value);
    }

    /// <inheritdoc cref="WriteString(StringBuilder, string)"/>
    public static void WriteString(IBufferWriter<byte> destination, string value)
    {
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentNullException.ThrowIfNull(value);
        var sink = new Utf8Sink(destination);
        Write(ref sink, value);
    }

    /// <summary>The JSON string of <paramref name="value"/>, quotes included.</summary>
    public static string Quote(string value)
    {
        var b = new StringBuilder(value.Length + 2);
        WriteString(b, value);
        return b.ToString();
    }

    private static void Write<TSink>(ref TSink sink, string value)
        where TSink : struct, ISink
    {
        sink.AppendAscii('"');
        var start = 0;
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            string? escape;
            if (c < 0x80)
            {
                escape = c switch
                {
                    '"' => "\\\"",
                    '\\' => "\\\\",
                    '\n' => "\\n",
                    '\r' => "\\r",
                    '\t' => "\\t",
                    '<' or '>' or '&' or < ' ' => null,
                    _ => string.Empty,
                };
                if (escape is { Length: 0 })
                {
                    continue;
                }
            }
            else if (c is '\u2028' or '\u2029')
            {
                escape = null;
            }
            else if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                i++;
                continue;
            }
            else if (char.IsSurrogate(c))
            {
                escape = "\\ufffd";
            }
            else
            {
                continue;
            }

            sink.Append(value.AsSpan(start, i - start));
            if (escape is null)
            {
                sink.AppendAscii('\\');
                sink.AppendAscii('u');
                for (var shift = 12; shift >= 0; shift -= 4)
                {
                    sink.AppendAscii(LowerHex[(c >> shift) & 0xF]);
                }
            }
            else
            {
                foreach (var e in escape)
                {
                    sink.AppendAscii(e);
                }
            }

            start = i + 1;
        }

        sink.Append(value.AsSpan(start));
        sink.AppendAscii('"');
    }

    private interface ISink
    {
        void Append(ReadOnlySpan<char> text);

        void AppendAscii(char c);
    }

    private readonly struct StringBuilderSink(StringBuilder builder) : ISink
    {
        public void Append(ReadOnlySpan<char> text) => builder.Append(text);

        public void AppendAscii(char c) => builder.Append(c);
    }

    private readonly struct Utf8Sink(IBufferWriter<byte> writer) : ISink
    {
        // The text passed here never holds a lone surrogate: those are cut out as escapes.
        public void Append(ReadOnlySpan<char> text)
        {
            if (text.IsEmpty)
            {
                return;
            }

            var span = writer.GetSpan(Encoding.UTF8.GetMaxByteCount(text.Length));
            writer.Advance(Encoding.UTF8.GetBytes(text, span));
        }

        public void AppendAscii(char c)
        {
            writer.GetSpan(1)[0] = (byte)c;
            writer.Advance(1);
        }
    }
}
