using System.Text;

namespace Backup.Core.FileSystem;

/// <summary>
/// Linux file names are byte strings, not text. Paths travel through the program as .NET strings in
/// which every byte that is not part of valid UTF-8 is carried as a lone surrogate U+DC80..U+DCFF
/// ("surrogate escape"). The mapping is a bijection between byte strings and such strings, so a name
/// with invalid UTF-8 survives backup and restore unchanged.
/// </summary>
public static class PathEncoding
{
    private const char EscapeBase = '\uDC00';

    /// <summary>Decodes raw name bytes into a string, escaping bytes that are not valid UTF-8.</summary>
    public static string Decode(ReadOnlySpan<byte> bytes)
    {
        if (System.Text.Unicode.Utf8.IsValid(bytes))
        {
            return Encoding.UTF8.GetString(bytes);
        }

        var builder = new StringBuilder(bytes.Length);
        while (!bytes.IsEmpty)
        {
            var status = Rune.DecodeFromUtf8(bytes, out var rune, out var consumed);
            if (status == System.Buffers.OperationStatus.Done)
            {
                builder.Append(rune.ToString());
                bytes = bytes[consumed..];
            }
            else
            {
                builder.Append((char)(EscapeBase + bytes[0]));
                bytes = bytes[1..];
            }
        }

        return builder.ToString();
    }

    /// <summary>Encodes a string produced by <see cref="Decode"/> (or any ordinary string) back into bytes.</summary>
    public static byte[] Encode(string value)
    {
        if (!ContainsEscapes(value))
        {
            return Encoding.UTF8.GetBytes(value);
        }

        var buffer = new List<byte>(value.Length + 8);
        Span<byte> scratch = stackalloc byte[4];
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c >= '\uDC80' && c <= '\uDCFF' && !(i > 0 && char.IsHighSurrogate(value[i - 1])))
            {
                buffer.Add((byte)(c - EscapeBase));
                continue;
            }

            if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                var n = new Rune(c, value[i + 1]).EncodeToUtf8(scratch);
                buffer.AddRange(scratch[..n]);
                i++;
                continue;
            }

            var rune = Rune.IsValid(c) ? new Rune(c) : Rune.ReplacementChar;
            var written = rune.EncodeToUtf8(scratch);
            buffer.AddRange(scratch[..written]);
        }

        return buffer.ToArray();
    }

    private static bool ContainsEscapes(string value)
    {
        foreach (var c in value)
        {
            if (char.IsSurrogate(c))
            {
                return true;
            }
        }

        return false;
    }
}
