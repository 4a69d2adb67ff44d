using System.Security.Cryptography;
using System.Text;
using Backup.Core.Crypto;
using Backup.Core.Model;

namespace Backup.Core.Tests.Crypto;

/// <summary>Reads the key file and config restic 0.14.0 wrote (restic-format.md 3.9/3.10).</summary>
public class ResticRepositoryKeyFileAndConfigTests
{
    [Fact]
    public void Key_file_name_is_the_sha256_of_its_bytes()
    {
        Assert.Equal(439, ResticVector.KeyFileBytes.Length);
        Assert.Equal(ResticVector.KeyFileName, Id.Hash(ResticVector.KeyFileBytes).ToString());
    }

    [Fact]
    public void Parse_reads_every_field()
    {
        var file = KeyFile.Parse(ResticVector.KeyFileBytes);

        Assert.Equal("2026-11-21T20:08:27.935456548Z", file.Created);
        Assert.Equal(new DateTimeOffset(2026, 11, 21, 20, 8, 27, TimeSpan.Zero).AddTicks(9354565), file.CreatedTime);
        Assert.Equal("root", file.Username);
        Assert.Equal("vm", file.Hostname);
        Assert.Equal("scrypt", file.Kdf);
        Assert.Equal((32768UL, 8U, 3U), (file.N, file.R, file.P));
        Assert.Equal(64, file.Salt.Length);
        Assert.Equal(160, file.Data.Length);
        Assert.Equal(ResticVector.Hex("e8e4dff9f4524d6a6b02c8ec5f9349c5"), file.Data[..16]);
    }

    [Fact]
    public void Parse_then_ToJson_gives_back_restics_bytes()
    {
        Assert.Equal(ResticVector.KeyFileJson, Encoding.UTF8.GetString(KeyFile.Parse(ResticVector.KeyFileBytes).ToJson()));
    }

    [Fact]
    public void Scrypt_of_the_password_gives_the_user_key_openssl_derived()
    {
        var file = KeyFile.Parse(ResticVector.KeyFileBytes);

        var derived = Scrypt.DeriveKey(ResticVector.PasswordBytes, file.Salt, file.N, file.R, file.P, 64);

        Assert.Equal(ResticVector.Hex("823c72e59010a06d045db7ea86476f94fe3a174cebe490d6a538d77da6c06725"), derived[..32]);
        Assert.Equal(ResticVector.Hex("f99966b9478a44f5f95a93e8e177f648"), derived[32..48]);
        Assert.Equal(ResticVector.Hex("2d0c62b7f70ca5c571970946b4312b0d"), derived[48..]);
    }

    [Fact]
    public void Key_data_mac_is_poly1305_of_masked_r_and_aes128_of_the_iv_over_the_ciphertext_only()
    {
        var data = KeyFile.Parse(ResticVector.KeyFileBytes).Data;
        using var aes = Aes.Create();
        aes.Key = ResticVector.Hex("f99966b9478a44f5f95a93e8e177f648");
        var s = aes.EncryptEcb(data[..16], PaddingMode.None);
        Assert.Equal(ResticVector.Hex("1f7308bb71b1d09c14d0e57fdbfc7600"), s);

        var tag = new byte[16];
        Poly1305.ComputeTag([.. ResticVector.Hex("2d0c6207f40ca50570970906b4312b0d"), .. s], data[16..^16], tag);

        Assert.Equal(ResticVector.Hex("9384c1f451cfa84d6ed52ef8d0c5a38c"), tag);
        Assert.Equal(tag, data[^16..]);
    }

    [Fact]
    public void Password_opens_the_key_file_and_the_master_key_decrypts_the_config()
    {
        var file = KeyFile.Parse(ResticVector.KeyFileBytes);

        Assert.True(file.TryOpen(ResticVector.PasswordBytes, out var master));

        Assert.Equal(ResticVector.MasterKeyJson, Encoding.ASCII.GetString(master.ToMasterKeyJson()));
        Assert.Equal(155, ResticVector.Config.Length);
        Assert.True(master.Verify(ResticVector.Config));
        Assert.Equal(ResticVector.ConfigPlaintext, Encoding.UTF8.GetString(master.Open(ResticVector.Config)));
    }

    [Fact]
    public void Master_key_from_its_json_decrypts_the_config()
    {
        var master = CryptoKey.FromMasterKeyJson(Encoding.ASCII.GetBytes(ResticVector.MasterKeyJson));

        var plaintext = new byte[ResticVector.Config.Length - CryptoKey.Overhead];
        Assert.Equal(plaintext.Length, master.Open(ResticVector.Config, plaintext));
        Assert.Equal(ResticVector.ConfigPlaintext, Encoding.UTF8.GetString(plaintext));
    }

    [Fact]
    public void Wrong_password_does_not_open_the_key_file()
    {
        var file = KeyFile.Parse(ResticVector.KeyFileBytes);

        Assert.False(file.TryOpen("correct horse battery stapler"u8, out var master));
        Assert.Null(master);
    }

    [Theory]
    [InlineData(0)] // IV
    [InlineData(16)] // first ciphertext byte
    [InlineData(100)]
    [InlineData(154)] // last MAC byte
    public void Flipped_config_byte_fails_authentication(int index)
    {
        var master = CryptoKey.FromMasterKeyJson(Encoding.ASCII.GetBytes(ResticVector.MasterKeyJson));
        var tampered = ResticVector.Config;
        tampered[index] ^= 0x01;

        Assert.False(master.Verify(tampered));
        var error = Assert.Throws<CryptoAuthenticationException>(() => master.Open(tampered));
        Assert.Contains("MAC", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Flipped_key_data_byte_reads_as_a_wrong_password()
    {
        var json = ResticVector.KeyFileJson;
        var data = KeyFile.Parse(ResticVector.KeyFileBytes).Data;
        var original = Convert.ToBase64String(data);
        data[40] ^= 0x80;
        var tampered = json.Replace(original, Convert.ToBase64String(data), StringComparison.Ordinal);
        Assert.NotEqual(json, tampered);

        Assert.False(KeyFile.Parse(Encoding.ASCII.GetBytes(tampered)).TryOpen(ResticVector.PasswordBytes, out _));
    }
}
