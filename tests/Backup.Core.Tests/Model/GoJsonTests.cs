using System.Buffers;
using System.Text;
using Backup.Core.FileSystem;
using Backup.Core.Model;

namespace Backup.Core.Tests.Model;

public class GoJsonTests
{
    [Theory]
    [InlineData("plain", "\"plain\"")]
    [InlineData("<>&", "\"\\u003c\\u003e\\u0026\"")]
    [InlineData("q\"b\\", "\"q\\\"b\\\\\"")]
    [InlineData("\n\r\t", "\"\\n\\r\\t\"")]
    [InlineData("\b\f", "\"\\u0008\\u000c\"")]
    [InlineData("\u0000\u0001\u001f", "\"\\u0000\\u0001\\u001f\"")]
    [InlineData("del\u007f", "\"del\u007f\"")]
    [InlineData("\u2028\u2029", "\"\\u2028\\u2029\"")]
    [InlineData("a/b'c", "\"a/b'c\"")]
    [InlineData("\u00a0\u0085ünï 日本", "\"\u00a0\u0085ünï 日本\"")]
    [InlineData("smile\U0001F600", "\"smile\U0001F600\"")]
    [InlineData("", "\"\"")]
    public void WriteStringEncodesLikeGo119(string value, string expected)
    {
        Assert.Equal(expected, GoJson.Quote(value));
    }

    [Fact]
    public void BytesThatAreNotUtf8BecomeOneReplacementEscapeEach()
    {
        var target = PathEncoding.Decode([(byte)'t', 0xff, 0xfe, 0xe6, 0x97]);

        Assert.Equal("\"t\\ufffd\\ufffd\\ufffd\\ufffd\"", GoJson.Quote(target));
    }

    [Theory]
    [InlineData(0xD800)]
    [InlineData(0xDBFF)]
    [InlineData(0xDC00)]
    [InlineData(0xDCFF)]
    public void LoneSurrogatesBecomeAReplacementEscape(int codeUnit)
    {
        Assert.Equal("\"a\\ufffdb\"", GoJson.Quote("a" + (char)codeUnit + "b"));
    }

    [Fact]
    public void LostByteIsWrittenAsAReplacementEscape()
    {
        Assert.Equal("\"a\\ufffd\ufffd\"", GoJson.Quote("a" + GoJson.LostByte + "\ufffd"));
    }

    [Fact]
    public void Utf8AndStringBuilderWritersAgree()
    {
        const string value = "x<\u2028\udcff\U0001F600ü\n\"";
        var utf8 = new ArrayBufferWriter<byte>();
        var text = new StringBuilder();

        GoJson.WriteString(utf8, value);
        GoJson.WriteString(text, value);

        Assert.Equal(Encoding.UTF8.GetBytes(text.ToString()), utf8.WrittenSpan.ToArray());
        Assert.Equal("\"x\\u003c\\u2028\\ufffd\U0001F600ü\\n\\\"\"", text.ToString());
    }

    [Fact]
    public void PlainStringsAreWrittenAsNodeNamesAreAndOnlyThose()
    {
        // Every ASCII character and a few others, alone and inside a name: the shortcut writes exactly what quoting
        // the name for Go and then for JSON writes, and takes only printable ASCII other than " \ < > &.
        var characters = Enumerable.Range(0, 128).Select(c => ((char)c).ToString()).Concat(["\u00e9", "\uE000", "\U0001F600", "\uDCFF"]);
        foreach (var c in characters)
        {
            foreach (var name in new[] { c, "a" + c + "b" })
            {
                var plain = new GoJsonWriter();
                var quoted = new GoJsonWriter();
                quoted.String(GoQuote.QuoteName(PathEncoding.Encode(name)));
                var expectPlain = c.Length == 1 && c[0] is >= ' ' and <= '~' and not ('"' or '\\' or '<' or '>' or '&');
                Assert.Equal(expectPlain, plain.TryPlainString(name));
                if (expectPlain)
                {
                    Assert.Equal(quoted.WrittenSpan.ToArray(), plain.WrittenSpan.ToArray());
                }
                else
                {
                    Assert.Equal(0, plain.WrittenSpan.Length);
                }
            }
        }
    }
}
