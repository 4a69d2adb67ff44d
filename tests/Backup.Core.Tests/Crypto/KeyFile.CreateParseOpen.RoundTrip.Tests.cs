using System.Text;
using System.Text.Json;
using Backup.Core.Crypto;
using Backup.Core.Model;

namespace Backup.Core.Tests.Crypto;

public class KeyFileCreateParseOpenRoundTripTests
{
    // Cheap parameters keep the tests fast; restic accepts any that pass its checks.
    private static readonly ScryptParameters Fast = new(1024, 8, 1);

    private static readonly DateTimeOffset Created = new DateTimeOffset(2026, 11, 21, 20, 8, 27, TimeSpan.Zero).AddTicks(9354565);

    [Fact]
    public void Create_ToJson_Parse_TryOpen_gives_back_the_master_key()
    {
        var master = CryptoKey.NewRandom();
        var file = KeyFile.Create(master, "hunter2"u8, "alice", "box", Created, Fast);

        var parsed = KeyFile.Parse(file.ToJson());

        Assert.True(parsed.TryOpen("hunter2"u8, out var opened));
        Assert.Equal(master.ToMasterKeyJson(), opened.ToMasterKeyJson());
        Assert.False(parsed.TryOpen("hunter3"u8, out _));
        Assert.Equal(file.ToJson(), parsed.ToJson());
    }

    [Fact]
    public void Default_parameters_are_restics_and_are_written()
    {
        var file = KeyFile.Create(CryptoKey.NewRandom(), "pw"u8, "u", "h", Created);
        using var json = JsonDocument.Parse(file.ToJson());

        Assert.Equal(new ScryptParameters(32768, 8, 1), ScryptParameters.Default);
        Assert.Equal(32768, json.RootElement.GetProperty("N").GetInt64());
        Assert.Equal(8, json.RootElement.GetProperty("r").GetInt64());
        Assert.Equal(1, json.RootElement.GetProperty("p").GetInt64());
        Assert.True(KeyFile.Parse(file.ToJson()).TryOpen("pw"u8, out _));
    }

    [Fact]
    public void Json_has_restics_field_order_and_a_64_byte_random_salt()
    {
        var master = CryptoKey.NewRandom();
        var json = KeyFile.Create(master, "pw"u8, "alice", "box", Created, Fast).ToJson();
        var other = KeyFile.Create(master, "pw"u8, "alice", "box", Created, Fast);

        var names = new List<string>();
        var reader = new Utf8JsonReader(json);
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.PropertyName)
            {
                names.Add(reader.GetString()!);
            }
        }

        Assert.Equal(["created", "username", "hostname", "kdf", "N", "r", "p", "salt", "data"], names);
        Assert.StartsWith("""{"created":"2026-11-21T20:08:27.9354565Z","username":"alice","hostname":"box","kdf":"scrypt","N":1024,"r":8,"p":1,"salt":""",
            Encoding.UTF8.GetString(json), StringComparison.Ordinal);
        var salt = KeyFile.Parse(json).Salt;
        Assert.Equal(64, salt.Length);
        Assert.NotEqual(salt, other.Salt);
        Assert.Equal(160, KeyFile.Parse(json).Data.Length); // 128 bytes of master key JSON, as in restic's own key files
    }

    [Fact]
    public void Name_is_the_sha256_of_the_written_bytes()
    {
        var json = KeyFile.Create(CryptoKey.NewRandom(), "pw"u8, "u", "h", Created, Fast).ToJson();

        Assert.Equal(Id.Hash(json), Id.Hash(KeyFile.Parse(json).ToJson()));
    }

    [Theory]
    [InlineData(0, 0, "2020-01-02T03:04:05Z")]
    [InlineData(2_500_000, 0, "2020-01-02T03:04:05.25Z")]
    [InlineData(1, 60, "2020-01-02T03:04:05.0000001+01:00")]
    [InlineData(4_830_719, 60, "2020-01-02T03:04:05.4830719+01:00")]
    [InlineData(0, -(5 * 60) - 30, "2020-01-02T03:04:05-05:30")]
    public void Created_is_written_like_gos_time_json(long ticks, int offsetMinutes, string expected)
    {
        var created = new DateTimeOffset(2020, 1, 2, 3, 4, 5, TimeSpan.FromMinutes(offsetMinutes)).AddTicks(ticks);

        var file = KeyFile.Create(CryptoKey.NewRandom(), "pw"u8, "u", "h", created, Fast);

        Assert.Equal(expected, file.Created);
        Assert.Equal(created, file.CreatedTime);
    }

    [Fact]
    public void Strings_are_escaped_like_gos_encoder()
    {
        var file = KeyFile.Create(CryptoKey.NewRandom(), "pw"u8, "a\"b\\c<d>e&f\ng\u0001h\u2028i\u007fé", "host\tname", Created, Fast);
        var json = Encoding.UTF8.GetString(file.ToJson());

        Assert.Contains("\"username\":\"a\\\"b\\\\c\\u003cd\\u003ee\\u0026f\\ng\\u0001h\\u2028i\u007f\u00e9\"", json, StringComparison.Ordinal);
        Assert.Contains("\"hostname\":\"host\\tname\"", json, StringComparison.Ordinal);
        Assert.Equal("a\"b\\c<d>e&f\ng\u0001h\u2028i\u007fé", KeyFile.Parse(file.ToJson()).Username);
    }

    [Fact]
    public void Go_style_key_matching_accepts_other_cases_and_ignores_unknown_keys()
    {
        var original = KeyFile.Create(CryptoKey.NewRandom(), "pw"u8, "u", "h", Created, Fast);
        var json = Encoding.UTF8.GetString(original.ToJson())
            .Replace("\"N\":", "\"n\":", StringComparison.Ordinal)
            .Replace("\"kdf\":", "\"KDF\":", StringComparison.Ordinal)
            .Replace("\"salt\":", "\"\u017Falt\":", StringComparison.Ordinal) // Go folds ſ to s
            .Replace("{\"created\"", "{\"comment\":{\"nested\":[1]},\"Created\"", StringComparison.Ordinal);

        var parsed = KeyFile.Parse(Encoding.UTF8.GetBytes(json));

        Assert.Equal(1024UL, parsed.N);
        Assert.Equal(original.Salt, parsed.Salt);
        Assert.Equal(original.Created, parsed.Created);
        Assert.True(parsed.TryOpen("pw"u8, out _));
    }

    [Fact]
    public void Missing_created_is_written_back_as_gos_zero_time()
    {
        var json = Encoding.UTF8.GetString(KeyFile.Create(CryptoKey.NewRandom(), "pw"u8, "u", "h", Created, Fast).ToJson())
            .Replace("\"created\":\"2026-11-21T20:08:27.9354565Z\",", "", StringComparison.Ordinal);

        var parsed = KeyFile.Parse(Encoding.UTF8.GetBytes(json));

        Assert.Equal("0001-01-01T00:00:00Z", parsed.Created);
        Assert.StartsWith("{\"created\":\"0001-01-01T00:00:00Z\",", Encoding.UTF8.GetString(parsed.ToJson()), StringComparison.Ordinal);
    }

    [Fact]
    public void Corrupt_master_key_json_under_a_valid_mac_is_a_format_error()
    {
        // Seal garbage under the derived user key, as a buggy writer might, so the MAC matches but the JSON is bad.
        var good = KeyFile.Create(CryptoKey.NewRandom(), "pw"u8, "u", "h", Created, Fast);
        var userKey = CryptoKey.FromDerived(Scrypt.DeriveKey("pw"u8, good.Salt, good.N, good.R, good.P, 64));
        var json = Encoding.UTF8.GetString(good.ToJson())
            .Replace(Convert.ToBase64String(good.Data), Convert.ToBase64String(userKey.Seal("{\"mac\":"u8)), StringComparison.Ordinal);

        var file = KeyFile.Parse(Encoding.UTF8.GetBytes(json));

        Assert.Throws<FormatException>(() => file.TryOpen("pw"u8, out _));
    }
}
