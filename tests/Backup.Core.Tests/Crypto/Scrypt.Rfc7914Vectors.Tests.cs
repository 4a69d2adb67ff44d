using System.Text;
using Backup.Core.Crypto;

namespace Backup.Core.Tests.Crypto;

public class ScryptRfc7914VectorTests
{
    [Theory]
    [InlineData("", "", 16UL, 1U, 1U,
        "77d6576238657b203b19ca42c18a0497f16b4844e3074ae8dfdffa3fede21442fcd0069ded0948f8326a753a0fc81f17e8d3e0fb2e0d3628cf35e20c38d18906")]
    [InlineData("password", "NaCl", 1024UL, 8U, 16U,
        "fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b3731622eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640")]
    [InlineData("pleaseletmein", "SodiumChloride", 16384UL, 8U, 1U,
        "7023bdcb3afd7348461c06cd81fd38ebfda8fbba904f8e3ea9b543f6545da1f2d5432955613f0fcf62d49705242a9af9e61e85dc0d651e40dfcf017b45575887")]
    public void Section_12_vectors(string password, string salt, ulong n, uint r, uint p, string expected)
    {
        var key = Scrypt.DeriveKey(Encoding.ASCII.GetBytes(password), Encoding.ASCII.GetBytes(salt), n, r, p, 64);

        Assert.Equal(Convert.FromHexString(expected), key);
    }

    [Fact]
    public void Section_12_vector_with_N_2_pow_20()
    {
        var key = Scrypt.DeriveKey("pleaseletmein"u8, "SodiumChloride"u8, 1048576, 8, 1, 64);

        Assert.Equal(
            Convert.FromHexString("2101cb9b6a511aaeaddbbe09cf70f881ec568d574a2ffd4dabe5ee9820adaa478e56fd8f4ba5d09ffa1c6d927c40f4c337304049e8a952fbcbf45c6fa77a41a4"),
            key);
    }

    [Fact]
    public void Shorter_output_is_a_prefix_of_longer_output()
    {
        var salt = Encoding.ASCII.GetBytes("NaCl");
        var long64 = Scrypt.DeriveKey("password"u8, salt, 16, 1, 1, 64);
        var short20 = Scrypt.DeriveKey("password"u8, salt, 16, 1, 1, 20);

        Assert.Equal(long64[..20], short20);
        Assert.NotEqual(long64, Scrypt.DeriveKey("passwore"u8, salt, 16, 1, 1, 64));
    }

    [Theory]
    [InlineData(1000UL, 8U, 1U)] // N not a power of two
    [InlineData(1UL, 8U, 1U)]
    [InlineData(1024UL, 0U, 1U)]
    [InlineData(1024UL, 8U, 0U)]
    [InlineData(1024UL, 1U << 15, 1U << 15)] // r·p = 2^30
    public void Invalid_parameters_are_refused_before_calling_libcrypto(ulong n, uint r, uint p)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Scrypt.DeriveKey("x"u8, "y"u8, n, r, p, 64));
    }

    [Fact]
    public void Zero_length_output_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Scrypt.DeriveKey("x"u8, "y"u8, 16, 1, 1, 0));
    }
}
