using System.Numerics;
using System.Security.Cryptography;
using Backup.Core.Crypto;

namespace Backup.Core.Tests.Crypto;

public class AesCtrCounterCarryTests
{
    private static readonly byte[] Key = ResticVector.Hex("603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4");

    /// <summary>The keystream from first principles: AES-ECB over counters computed as (IV + i) mod 2^128.</summary>
    private static byte[] ExpectedKeystream(byte[] iv, int length)
    {
        var blocks = (length + 15) / 16;
        var counters = new byte[blocks * 16];
        var start = new BigInteger(iv, isUnsigned: true, isBigEndian: true);
        var modulus = BigInteger.One << 128;
        for (var i = 0; i < blocks; i++)
        {
            var counter = (start + i) % modulus;
            var bytes = counter.ToByteArray(isUnsigned: true, isBigEndian: true);
            bytes.CopyTo(counters, (i * 16) + 16 - bytes.Length);
        }

        using var aes = Aes.Create();
        aes.Key = Key;
        return aes.EncryptEcb(counters, PaddingMode.None)[..length];
    }

    private static byte[] Keystream(byte[] iv, int length)
    {
        var output = new byte[length];
        AesCtr.Transform(Key, iv, new byte[length], output);
        return output;
    }

    [Theory]
    [InlineData("0123456789abcdefffffffffffffffff", 5 * 16)] // low 64 bits all ones: the carry must reach the high half
    [InlineData("0123456789abcdeffffffffffffffffd", (6 * 16) + 7)]
    [InlineData("ffffffffffffffffffffffffffffffff", 4 * 16)] // all 128 bits ones: wraps to zero
    [InlineData("fffffffffffffffffffffffffffffffe", (3 * 16) + 1)]
    [InlineData("00000000000000000000000000000000", 33)]
    public void Keystream_is_aes_of_the_full_128_bit_big_endian_counter(string ivHex, int length)
    {
        var iv = Convert.FromHexString(ivHex);

        Assert.Equal(ExpectedKeystream(iv, length), Keystream(iv, length));
    }

    [Fact]
    public void Carry_inside_a_later_internal_chunk_is_still_right()
    {
        // The transform works through the data in 16 KiB chunks of counters; 1500 blocks puts the carry in the second.
        var iv = Convert.FromHexString("00000000000000aafffffffffffffa24");
        const int length = 40_000 + 5;

        Assert.Equal(ExpectedKeystream(iv, length), Keystream(iv, length));
    }

    [Fact]
    public void Carry_is_not_confined_to_the_low_64_bits()
    {
        // A 64-bit nonce‖counter split would wrap the low half and leave the high half alone.
        var iv = Convert.FromHexString("0123456789abcdefffffffffffffffff");
        var keystream = Keystream(iv, 32);
        var wrongSecondCounter = Convert.FromHexString("0123456789abcdef0000000000000000");
        using var aes = Aes.Create();
        aes.Key = Key;

        Assert.NotEqual(aes.EncryptEcb(wrongSecondCounter, PaddingMode.None), keystream[16..]);
    }

    [Fact]
    public void Nist_sp800_38a_f55_ctr_aes256_encrypt()
    {
        var iv = Convert.FromHexString("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff");
        var plaintext = ResticVector.Hex(
            """
            6bc1bee22e409f96e93d7e117393172a ae2d8a571e03ac9c9eb76fac45af8e51
            30c81c46a35ce411e5fbc1191a0a52ef f69f2445df4f9b17ad2b417be66c3710
            """);
        var expected = ResticVector.Hex(
            """
            601ec313775789a5b7a7f504bbf3d228 f443e3ca4d62b59aca84e990cacaf5c5
            2b0930daa23de94ce87017ba2d84988d dfc9c58db67aada613c2dd08457941a6
            """);
        var ciphertext = new byte[plaintext.Length];

        AesCtr.Transform(Key, iv, plaintext, ciphertext);

        Assert.Equal(expected, ciphertext);
    }

    [Fact]
    public void In_place_transform_equals_out_of_place_and_inverts()
    {
        var iv = RandomNumberGenerator.GetBytes(16);
        var plaintext = RandomNumberGenerator.GetBytes(50_001);
        var separate = new byte[plaintext.Length];
        AesCtr.Transform(Key, iv, plaintext, separate);

        var buffer = (byte[])plaintext.Clone();
        AesCtr.Transform(Key, iv, buffer, buffer);
        Assert.Equal(separate, buffer);

        AesCtr.Transform(Key, iv, buffer, buffer);
        Assert.Equal(plaintext, buffer);
    }

    [Fact]
    public void Partially_overlapping_buffers_are_refused()
    {
        var buffer = new byte[64];

        Assert.Throws<ArgumentException>(() => AesCtr.Transform(Key, new byte[16], buffer.AsSpan(0, 32), buffer.AsSpan(8, 32)));
    }

    [Fact]
    public void Wrong_key_or_iv_length_is_refused()
    {
        Assert.Throws<ArgumentException>(() => AesCtr.Transform(new byte[16], new byte[16], new byte[4], new byte[4]));
        Assert.Throws<ArgumentException>(() => AesCtr.Transform(Key, new byte[12], new byte[4], new byte[4]));
    }

    [Theory]
    [InlineData("0123456789abcdeffffffffffffffff0")] // the carry into the high half happens inside the second piece
    [InlineData("fffffffffffffffffffffffffffffff8")] // and the wrap of all 128 bits
    public void Pieces_transformed_at_their_block_offsets_match_the_whole(string ivHex)
    {
        var iv = Convert.FromHexString(ivHex);
        var plaintext = RandomNumberGenerator.GetBytes((40 * 16) + 9);
        var whole = new byte[plaintext.Length];
        AesCtr.Transform(Key, iv, plaintext, whole);

        using var aes = Aes.Create();
        aes.Key = Key;
        using var ecb = AesCtr.CreateEcbEncryptor(aes);
        var pieces = plaintext.ToArray();
        foreach (var (start, end) in new[] { (0, 16 * 16), (16 * 16, 32 * 16), (32 * 16, pieces.Length) })
        {
            AesCtr.Transform(ecb, iv, (ulong)(start / 16), pieces.AsSpan(start, end - start), pieces.AsSpan(start, end - start));
        }

        Assert.Equal(whole, pieces);
    }
}
