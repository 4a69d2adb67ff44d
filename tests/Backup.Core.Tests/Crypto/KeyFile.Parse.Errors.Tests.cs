using System.Text;
using Backup.Core.Crypto;

namespace Backup.Core.Tests.Crypto;

public class KeyFileParseErrorTests
{
    private const string Salt64 = "Devy+q0LYwh4GZZF/fBknNR/k/BhyT/QNILDPx4lYONS32y0EViVg7r96HlOv9xhdaMdMpYzpfYsO5IhQMooIA==";
    private const string Salt32 = "Devy+q0LYwh4GZZF/fBknNR/k/BhyT/QNILDPx4lYOM=";
    private const string Data = "6OTf+fRSTWprAsjsX5NJxdrv/IRgnOr15GLu98BLFoudxCvuwtcibs5gFqsYvgQ8";

    private static FormatException ParseError(string json) =>
        Assert.Throws<FormatException>(() => KeyFile.Parse(Encoding.UTF8.GetBytes(json)));

    private static string Json(string kdf = "\"scrypt\"", string n = "32768", string r = "8", string p = "1", string salt = $"\"{Salt64}\"", string? data = $"\"{Data}\"") =>
        $$"""{"created":"2026-11-21T20:08:27.935456548Z","username":"root","hostname":"vm","kdf":{{kdf}},"N":{{n}},"r":{{r}},"p":{{p}},"salt":{{salt}}{{(data is null ? "" : $",\"data\":{data}")}}}""";

    [Fact]
    public void The_baseline_document_parses()
    {
        Assert.Equal(32768UL, KeyFile.Parse(Encoding.UTF8.GetBytes(Json())).N);
    }

    [Fact]
    public void Salt_of_32_bytes_is_rejected_naming_salt()
    {
        var error = ParseError(Json(salt: $"\"{Salt32}\""));

        Assert.Contains("\"salt\"", error.Message, StringComparison.Ordinal);
        Assert.Contains("64", error.Message, StringComparison.Ordinal);
        Assert.Contains("32", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Kdf_argon2_is_rejected_naming_kdf()
    {
        var error = ParseError(Json(kdf: "\"argon2\""));

        Assert.Contains("\"kdf\"", error.Message, StringComparison.Ordinal);
        Assert.Contains("argon2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_data_is_rejected_naming_data()
    {
        var error = ParseError(Json(data: null));

        Assert.Contains("\"data\" is missing", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1000", "8", "1", "\"N\"")] // not a power of two
    [InlineData("1", "8", "1", "\"N\"")]
    [InlineData("2097152", "8", "1", "\"N\"")] // 128·r·N reaches 2 GiB
    [InlineData("32768", "0", "1", "\"r\"")]
    [InlineData("32768", "8", "-1", "\"p\"")]
    [InlineData("32768", "8", "1.5", "\"p\"")]
    [InlineData("\"32768\"", "8", "1", "\"N\"")]
    [InlineData("32768", "8", "9000000", "\"p\"")] // r·p beyond scrypt's limit
    public void Bad_scrypt_parameters_are_rejected_naming_the_field(string n, string r, string p, string field)
    {
        var error = ParseError(Json(n: n, r: r, p: p));

        Assert.Contains(field, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Other_malformed_documents_are_format_errors()
    {
        Assert.Contains("JSON", ParseError("{\"kdf\":").Message, StringComparison.Ordinal);
        Assert.Contains("object", ParseError("[1]").Message, StringComparison.Ordinal);
        Assert.Contains("\"kdf\" is missing", ParseError(Json().Replace("\"kdf\":\"scrypt\",", "", StringComparison.Ordinal)).Message, StringComparison.Ordinal);
        Assert.Contains("\"salt\" is not valid base64", ParseError(Json(salt: "\"%%%\"")).Message, StringComparison.Ordinal);
        Assert.Contains("\"data\" has 3 bytes", ParseError(Json(data: "\"AAAA\"")).Message, StringComparison.Ordinal);
        Assert.Contains("\"created\"", ParseError(Json().Replace("2026-11-21T20:08:27.935456548Z", "yesterday", StringComparison.Ordinal)).Message, StringComparison.Ordinal);
        Assert.Contains("\"username\"", ParseError(Json().Replace("\"root\"", "7", StringComparison.Ordinal)).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(32768UL, 8U, 1U, true)]
    [InlineData(16384UL, 8U, 3U, true)]
    [InlineData(1048576UL, 8U, 1U, true)]
    [InlineData(2097152UL, 8U, 1U, false)]
    [InlineData(1000UL, 8U, 1U, false)]
    [InlineData(2UL, 0U, 1U, false)]
    [InlineData(2UL, 1U, 0U, false)]
    public void ScryptParameters_enforce_restics_checks(ulong n, uint r, uint p, bool valid)
    {
        if (valid)
        {
            Assert.Equal(n, new ScryptParameters(n, r, p).N);
        }
        else
        {
            Assert.Throws<ArgumentOutOfRangeException>(() => new ScryptParameters(n, r, p));
        }
    }
}
