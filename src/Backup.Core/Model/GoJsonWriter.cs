using System.Buffers;
using System.Buffers.Text;

namespace Backup.Core.Model;

/// <summary>
/// Writes compact JSON by hand, as Go's <c>encoding/json</c> lays it out, so the bytes (and so the IDs of
/// what is hashed) are exactly restic's. Callers write the punctuation and keys themselves, in struct order.
/// </summary>
internal sealed class GoJsonWriter
{
    private static ReadOnlySpan<byte> LowerHex => "0123456789abcdef"u8;

    private readonly ArrayBufferWriter<byte> _buffer;

    public GoJsonWriter(int initialCapacity = 256)
    {
        _buffer = new ArrayBufferWriter<byte>(initialCapacity);
    }

    public ReadOnlySpan<byte> WrittenSpan => _buffer.WrittenSpan;

    public byte[] ToArray() => _buffer.WrittenSpan.ToArray();

    /// <summary>Writes bytes as they are: punctuation and keys.</summary>
    public void Raw(ReadOnlySpan<byte> bytes) => _buffer.Write(bytes);

    public void String(string value) => GoJson.WriteString(_buffer, value);

    /// <summary>Writes a name <see cref="GoQuote.IsPlain(ReadOnlySpan{char})"/> says is plain, and returns true; else writes nothing.</summary>
    public bool TryPlainString(string value)
    {
        if (!GoQuote.IsPlain(value))
        {
            return false;
        }

        var span = _buffer.GetSpan(value.Length + 2);
        span[0] = (byte)'"';
        System.Text.Encoding.ASCII.GetBytes(value, span[1..]);
        span[value.Length + 1] = (byte)'"';
        _buffer.Advance(value.Length + 2);
        return true;
    }

    public void Number(ulong value)
    {
        var span = _buffer.GetSpan(20);
        Utf8Formatter.TryFormat(value, span, out var written);
        _buffer.Advance(written);
    }

    public void Number(long value)
    {
        var span = _buffer.GetSpan(20);
        Utf8Formatter.TryFormat(value, span, out var written);
        _buffer.Advance(written);
    }

    /// <summary>A time as Go's <c>Time.MarshalJSON</c> writes it; Go refuses years outside 0000..9999.</summary>
    public void Time(GoTime value, string field)
    {
        if (!value.HasFourDigitYear)
        {
            throw new InvalidOperationException($"{field} {value} has a year outside 0000..9999, which Go cannot write in JSON");
        }

        Span<char> text = stackalloc char[GoTime.MaxFormattedLength];
        Quoted(text[..value.Format(text)]);
    }

    public void Id(Id value)
    {
        Span<byte> raw = stackalloc byte[Model.Id.Size];
        value.CopyTo(raw);
        Raw("\""u8);
        var span = _buffer.GetSpan(Model.Id.Size * 2);
        for (var i = 0; i < raw.Length; i++)
        {
            span[2 * i] = LowerHex[raw[i] >> 4];
            span[(2 * i) + 1] = LowerHex[raw[i] & 0xF];
        }

        _buffer.Advance(Model.Id.Size * 2);
        Raw("\""u8);
    }

    /// <summary>A <c>[]byte</c>: standard base64 with padding.</summary>
    public void Base64(ReadOnlySpan<byte> value)
    {
        Raw("\""u8);
        var span = _buffer.GetSpan(System.Buffers.Text.Base64.GetMaxEncodedToUtf8Length(value.Length));
        System.Buffers.Text.Base64.EncodeToUtf8(value, span, out _, out var written);
        _buffer.Advance(written);
        Raw("\""u8);
    }

    /// <summary>A <c>[]string</c>: <c>null</c> when nil, <c>[]</c> when empty.</summary>
    public void StringList(IReadOnlyList<string>? values)
    {
        if (values is null)
        {
            Raw("null"u8);
            return;
        }

        Raw("["u8);
        for (var i = 0; i < values.Count; i++)
        {
            if (i > 0)
            {
                Raw(","u8);
            }

            String(values[i]);
        }

        Raw("]"u8);
    }

    private void Quoted(ReadOnlySpan<char> ascii)
    {
        var span = _buffer.GetSpan(ascii.Length + 2);
        span[0] = (byte)'"';
        for (var i = 0; i < ascii.Length; i++)
        {
            span[i + 1] = (byte)ascii[i];
        }

        span[ascii.Length + 1] = (byte)'"';
        _buffer.Advance(ascii.Length + 2);
    }
}
