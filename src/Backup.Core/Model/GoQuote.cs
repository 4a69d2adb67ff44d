using System.Buffers;
using System.Text;

namespace Backup.Core.Model;

/// <summary>
/// Go's <c>strconv.Quote</c>/<c>Unquote</c> for double-quoted strings, without the surrounding quotes. restic
/// stores tree node names this way (format 9.3) so that names that are not valid UTF-8 survive JSON.
/// </summary>
public static class GoQuote
{
    private const string LowerHex = "0123456789abcdef";

    // Printable ASCII but " \ < > &: what strconv.Quote and Go's JSON encoder (which escapes < > & for HTML) leave as it is.
    private const string Plain = " !#$%'()*+,-./0123456789:;=?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[]^_`abcdefghijklmnopqrstuvwxyz{|}~";
    private static readonly SearchValues<char> PlainCharacters = SearchValues.Create(Plain);
    private static readonly SearchValues<byte> PlainBytes = SearchValues.Create(Encoding.ASCII.GetBytes(Plain));

    /// <summary>
    /// Whether a name is written as it is, both by <see cref="QuoteName"/> and inside a JSON string, and so read
    /// back as it is: printable ASCII other than <c>" \ &lt; &gt; &amp;</c>, as most file names are.
    /// </summary>
    internal static bool IsPlain(ReadOnlySpan<char> text) => !text.ContainsAnyExcept(PlainCharacters);

    /// <inheritdoc cref="IsPlain(ReadOnlySpan{char})"/>
    internal static bool IsPlain(ReadOnlySpan<byte> utf8) => !utf8.ContainsAnyExcept(PlainBytes);

    /// <summary>Quotes raw name bytes exactly as Go 1.19's <c>strconv.Quote</c> does, minus the quotes.</summary>
    public static string QuoteName(ReadOnlySpan<byte> rawName)
    {
        var b = new StringBuilder(rawName.Length + 8);
        while (!rawName.IsEmpty)
        {
            int codePoint;
            int width;
            if (rawName[0] < 0x80)
            {
                codePoint = rawName[0];
                width = 1;
            }
            else if (Rune.DecodeFromUtf8(rawName, out var rune, out width) == OperationStatus.Done)
            {
                codePoint = rune.Value;
            }
            else
            {
                // Go looks at one byte at a time: every byte that does not start valid UTF-8 is \xHH.
                AppendHex(b, "\\x", rawName[0], 2);
                rawName = rawName[1..];
                continue;
            }

            AppendEscapedRune(b, codePoint);
            rawName = rawName[width..];
        }

        return b.ToString();
    }

    /// <summary>
    /// Go's <c>strconv.Unquote("\"" + quoted + "\"")</c>: the raw bytes a quoted name stands for.
    /// A raw <c>"</c> or newline, or an unknown or malformed escape, is invalid syntax as in Go.
    /// </summary>
    public static byte[] UnquoteName(string quoted)
    {
        ArgumentNullException.ThrowIfNull(quoted);
        var output = new ArrayBufferWriter<byte>(quoted.Length + 1);
        Span<byte> utf8 = stackalloc byte[4];
        var i = 0;
        while (i < quoted.Length)
        {
            var c = quoted[i];
            if (c == '"' || c == '\n')
            {
                throw Invalid(quoted, c == '"' ? "an unescaped '\"'" : "an unescaped newline");
            }

            if (c != '\\')
            {
                // A lone surrogate cannot come from JSON text; Go would read U+FFFD there.
                if (Rune.DecodeFromUtf16(quoted.AsSpan(i), out var rune, out var used) != OperationStatus.Done)
                {
                    rune = Rune.ReplacementChar;
                }

                output.Write(utf8[..rune.EncodeToUtf8(utf8)]);
                i += used;
                continue;
            }

            if (i + 1 >= quoted.Length)
            {
                throw Invalid(quoted, "a '\\' at the end");
            }

            var escape = quoted[i + 1];
            i += 2;
            var simple = escape switch
            {
                'a' => 0x07,
                'b' => 0x08,
                'f' => 0x0C,
                'n' => 0x0A,
                'r' => 0x0D,
                't' => 0x09,
                'v' => 0x0B,
                '\\' => '\\',
                '"' => '"',
                _ => -1,
            };
            if (simple >= 0)
            {
                output.Write([(byte)simple]);
                continue;
            }

            switch (escape)
            {
                case 'x':
                    // \xHH is one raw byte, whatever it is: this is how invalid UTF-8 is carried.
                    output.Write([(byte)ReadHex(quoted, ref i, 2)]);
                    break;
                case 'u':
                case 'U':
                    var value = ReadHex(quoted, ref i, escape == 'u' ? 4 : 8);
                    if (!Rune.IsValid(value))
                    {
                        throw Invalid(quoted, $"\\{escape} escape of U+{value:X}, which is not a Unicode scalar value");
                    }

                    output.Write(utf8[..new Rune(value).EncodeToUtf8(utf8)]);
                    break;
                case >= '0' and <= '7':
                    var octal = escape - '0';
                    for (var n = 0; n < 2; n++, i++)
                    {
                        if (i >= quoted.Length || quoted[i] < '0' || quoted[i] > '7')
                        {
                            throw Invalid(quoted, "an octal escape with fewer than three digits");
                        }

                        octal = (octal << 3) | (quoted[i] - '0');
                    }

                    if (octal > 0xFF)
                    {
                        throw Invalid(quoted, "an octal escape above \\377");
                    }

                    output.Write([(byte)octal]);
                    break;
                default:
                    throw Invalid(quoted, $"the unknown escape '\\{escape}'");
            }
        }

        return output.WrittenSpan.ToArray();
    }

    private static void AppendEscapedRune(StringBuilder b, int codePoint)
    {
        if (codePoint == '"' || codePoint == '\\')
        {
            b.Append('\\').Append((char)codePoint);
            return;
        }

        if (GoPrintable.IsPrint(codePoint))
        {
            b.Append(new Rune(codePoint).ToString());
            return;
        }

        switch (codePoint)
        {
            case 0x07: b.Append("\\a"); break;
            case 0x08: b.Append("\\b"); break;
            case 0x0C: b.Append("\\f"); break;
            case 0x0A: b.Append("\\n"); break;
            case 0x0D: b.Append("\\r"); break;
            case 0x09: b.Append("\\t"); break;
            case 0x0B: b.Append("\\v"); break;
            case < 0x20 or 0x7F: AppendHex(b, "\\x", codePoint, 2); break;
            case < 0x10000: AppendHex(b, "\\u", codePoint, 4); break;
            default: AppendHex(b, "\\U", codePoint, 8); break;
        }
    }

    private static void AppendHex(StringBuilder b, string prefix, int value, int digits)
    {
        b.Append(prefix);
        for (var shift = (digits - 1) * 4; shift >= 0; shift -= 4)
        {
            b.Append(LowerHex[(value >> shift) & 0xF]);
        }
    }

    private static int ReadHex(string quoted, ref int i, int digits)
    {
        var value = 0;
        for (var n = 0; n < digits; n++, i++)
        {
            var digit = i < quoted.Length ? HexValue(quoted[i]) : -1;
            if (digit < 0)
            {
                throw Invalid(quoted, $"a hex escape with fewer than {digits} digits");
            }

            value = (value << 4) | digit;
        }

        return value;
    }

    private static int HexValue(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' => c - 'a' + 10,
        >= 'A' and <= 'F' => c - 'A' + 10,
        _ => -1,
    };

    private static FormatException Invalid(string quoted, string what) =>
        new($"the quoted name \"{quoted}\" is invalid Go string syntax: it has {what}");
}
