using System.Text;
using Backup.Core.Crypto;

namespace Backup.Core.Tests.Crypto;

public class CryptoKeyMasterKeyJsonTests
{
    private static CryptoKey Read(string json) => CryptoKey.FromMasterKeyJson(Encoding.UTF8.GetBytes(json));

    [Fact]
    public void Json_round_trip_keeps_the_key()
    {
        var key = CryptoKey.NewRandom();
        var copy = CryptoKey.FromMasterKeyJson(key.ToMasterKeyJson());

        Assert.Equal(key.ToMasterKeyJson(), copy.ToMasterKeyJson());
        Assert.Equal("data"u8.ToArray(), copy.Open(key.Seal("data"u8)));
    }

    [Fact]
    public void Keys_match_case_insensitively_and_unknown_keys_are_ignored()
    {
        var key = Read("""{"MAC":{"K":"n7THAyRLgei3plHWYHQerA==","extra":1,"R":"cDsBAUCsSg+cRzMIsNT/Cg=="},"other":[1,2],"Encrypt":"9HBn0DcV3B6e8UFM8izVf+LOUSXu1j4hSLlKQW6C5yE="}""");

        Assert.Equal(ResticVector.MasterKeyJson, Encoding.ASCII.GetString(key.ToMasterKeyJson()));
    }

    [Theory]
    [InlineData("""{"mac":{"k":"n7THAyRLgei3plHWYHQerA==","r":"cDsBAUCsSg+cRzMIsNT/Cg=="}""", "JSON")]
    [InlineData("""[]""", "object")]
    [InlineData("""{"mac":{"k":"n7THAyRLgei3plHWYHQerA==","r":"cDsBAUCsSg+cRzMIsNT/Cg=="}}""", "encrypt")]
    [InlineData("""{"mac":{"r":"cDsBAUCsSg+cRzMIsNT/Cg=="},"encrypt":"9HBn0DcV3B6e8UFM8izVf+LOUSXu1j4hSLlKQW6C5yE="}""", "mac.k")]
    [InlineData("""{"mac":{"k":"n7THAyRLgei3plHWYHQerA==","r":"cDsBAUCsSg+cRzMI"},"encrypt":"9HBn0DcV3B6e8UFM8izVf+LOUSXu1j4hSLlKQW6C5yE="}""", "mac.r")]
    [InlineData("""{"mac":{"k":"AAAAAAAAAAAAAAAAAAAAAA==","r":"cDsBAUCsSg+cRzMIsNT/Cg=="},"encrypt":"9HBn0DcV3B6e8UFM8izVf+LOUSXu1j4hSLlKQW6C5yE="}""", "zeros")]
    [InlineData("""{"mac":{"k":"n7THAyRLgei3plHWYHQerA==","r":"cDsBAUCsSg+cRzMIsNT/Cg=="},"encrypt":"not base64!"}""", "encrypt")]
    [InlineData("""{"mac":"x","encrypt":"9HBn0DcV3B6e8UFM8izVf+LOUSXu1j4hSLlKQW6C5yE="}""", "mac")]
    public void Bad_master_key_json_is_a_format_error_naming_the_problem(string json, string mentioned)
    {
        var error = Assert.Throws<FormatException>(() => Read(json));

        Assert.Contains(mentioned, error.Message, StringComparison.Ordinal);
    }
}
