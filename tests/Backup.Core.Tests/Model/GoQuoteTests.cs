using System.Text;
using Backup.Core.Model;

namespace Backup.Core.Tests.Model;

public class GoQuoteTests
{
    public static TheoryData<string, string> Examples => new()
    {
        // raw name bytes as hex, Go-quoted form (what strconv.Quote gives, without quotes)
        { Hex("plain.txt"), "plain.txt" },
        { Hex("we\"ird"), "we\\\"ird" },
        { Hex("back\\slash"), "back\\\\slash" },
        { Hex("\a\b\f\n\r\t\v"), "\\a\\b\\f\\n\\r\\t\\v" },
        { "00011f", "\\x00\\x01\\x1f" },
        { Hex("del\u007f"), "del\\x7f" },
        { Hex("nonutf8-") + "fffe", "nonutf8-\\xff\\xfe" },
        { "e697", "\\xe6\\x97" },                      // a three-byte sequence cut short
        { "e69778", "\\xe6\\x97x" },
        { "eda080", "\\xed\\xa0\\x80" },               // an encoded surrogate is not UTF-8
        { "c0af", "\\xc0\\xaf" },                      // overlong
        { "f4908080", "\\xf4\\x90\\x80\\x80" },        // above U+10FFFF
        { Hex("sp\u00a0ace"), "sp\\u00a0ace" },
        { Hex("ls\u2028x"), "ls\\u2028x" },
        { Hex("c1\u0085x"), "c1\\u0085x" },
        { Hex("nb\u3000x"), "nb\\u3000x" },
        { Hex("soft\u00adhyphen"), "soft\\u00adhyphen" },
        { Hex("bom\ufeffx"), "bom\\ufeffx" },
        { Hex("priv\ue000x"), "priv\\ue000x" },
        { Hex("hi\U000E0001tag"), "hi\\U000e0001tag" },
        { Hex("emo\U0001FAE0ji"), "emo\\U0001fae0ji" },   // new in Unicode 14, unknown to Go 1.19
        { Hex("ar\u061dx"), "ar\\u061dx" },                // new in Unicode 14 too
        { Hex("tea\U0001FAD6"), "tea\U0001FAD6" },         // Unicode 13: printable for Go 1.19
        { Hex("smile\U0001F600"), "smile\U0001F600" },
        { Hex("cjk\U0002A6DDx"), "cjk\U0002A6DDx" },         // CJK extension B as of Unicode 13
        { Hex("cjk\U0002A6DEx"), "cjk\\U0002a6dex" },       // added in Unicode 14
        { Hex("repl\ufffdx"), "repl\ufffdx" },             // a real U+FFFD is printable
        { Hex("ünïcödé 日本.txt"), "ünïcödé 日本.txt" },
        { Hex("x<>&'y"), "x<>&'y" },
        { Hex(string.Empty), string.Empty },
    };

    [Theory]
    [MemberData(nameof(Examples))]
    public void QuoteNameEscapesLikeGo119(string rawHex, string quoted)
    {
        Assert.Equal(quoted, GoQuote.QuoteName(Convert.FromHexString(rawHex)));
    }

    [Theory]
    [MemberData(nameof(Examples))]
    public void UnquoteNameInvertsQuoteName(string rawHex, string quoted)
    {
        Assert.Equal(rawHex, Convert.ToHexStringLower(GoQuote.UnquoteName(quoted)));
    }

    [Theory]
    [InlineData("6e65770a6c696e65", "\"new\\\\nline\"")]
    [InlineData("6e6f6e757466382dfffe", "\"nonutf8-\\\\xff\\\\xfe\"")]
    [InlineData("7765226972645c6261636b3c3e262e747874", "\"we\\\\\\\"ird\\\\\\\\back\\u003c\\u003e\\u0026.txt\"")]
    [InlineData("c3bc6ec3af63c3b664c3a920e697a5e69cac2e747874", "\"ünïcödé 日本.txt\"")]
    public void FormatTableOfNameEncodingIsReproduced(string rawHex, string json)
    {
        var raw = Convert.FromHexString(rawHex);

        Assert.Equal(json, GoJson.Quote(GoQuote.QuoteName(raw)));
    }

    [Fact]
    public void AnyByteStringSurvivesQuoteAndUnquote()
    {
        var random = new Random(1234);
        var alphabet = new byte[] { 0x00, 0x07, 0x0a, 0x22, 0x5c, 0x41, 0x7f, 0x80, 0xbf, 0xc2, 0xa0, 0xe2, 0x80, 0xa8, 0xf0, 0x9f, 0x98, 0x80, 0xed, 0xff };
        for (var n = 0; n < 2000; n++)
        {
            var raw = new byte[random.Next(0, 12)];
            for (var i = 0; i < raw.Length; i++)
            {
                raw[i] = random.Next(3) == 0 ? (byte)random.Next(256) : alphabet[random.Next(alphabet.Length)];
            }

            var quoted = GoQuote.QuoteName(raw);
            Assert.DoesNotContain("\"", quoted.Replace("\\\"", string.Empty, StringComparison.Ordinal));
            Assert.Equal(Convert.ToHexString(raw), Convert.ToHexString(GoQuote.UnquoteName(quoted)));
        }
    }

    [Theory]
    [InlineData("\\101", "41")]
    [InlineData("\\377", "ff")]
    [InlineData("\\xE9", "e9")]
    [InlineData("\\u00e9", "c3a9")]
    [InlineData("\\U0001F600", "f09f9880")]
    [InlineData("a\tb", "610962")]
    public void UnquoteNameAcceptsEveryGoEscape(string quoted, string rawHex)
    {
        Assert.Equal(rawHex, Convert.ToHexStringLower(GoQuote.UnquoteName(quoted)));
    }

    [Theory]
    [InlineData("we\"ird")]
    [InlineData("back\\")]
    [InlineData("new\nline")]
    [InlineData("\\q")]
    [InlineData("\\'")]
    [InlineData("\\x4")]
    [InlineData("\\xg0")]
    [InlineData("\\u12")]
    [InlineData("\\ud800")]
    [InlineData("\\U00110000")]
    [InlineData("\\400")]
    [InlineData("\\08")]
    public void UnquoteNameRejectsInvalidSyntax(string quoted)
    {
        var e = Assert.Throws<FormatException>(() => GoQuote.UnquoteName(quoted));
        Assert.Contains(quoted, e.Message, StringComparison.Ordinal);
    }

    private static string Hex(string text) => Convert.ToHexStringLower(Encoding.UTF8.GetBytes(text));
}
