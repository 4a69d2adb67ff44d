using System.Security.Cryptography;
using System.Text;
using Backup.Core.Buffers;
using Backup.Core.Crypto;
using Backup.Core.Tests.Buffers;

namespace Backup.Core.Tests.Crypto;

public class CryptoKeySealOpenRoundTripTests
{
    private readonly CryptoKey _key = CryptoKey.NewRandom();

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(15)]
    [InlineData(16)]
    [InlineData(17)]
    [InlineData((1 << 20) + 3)]
    public void Seal_then_Open_gives_back_the_plaintext(int size)
    {
        var plaintext = RandomNumberGenerator.GetBytes(size);

        var sealedData = _key.Seal(plaintext);

        Assert.Equal(size + CryptoKey.Overhead, sealedData.Length);
        Assert.True(_key.Verify(sealedData));
        Assert.Equal(plaintext, _key.Open(sealedData));
    }

    [Fact]
    public void Sealed_layout_is_iv_then_ctr_ciphertext_then_poly1305_aes_mac()
    {
        // Rebuild the sealed bytes from the key's JSON parts with the primitives, independently of Seal.
        var plaintext = Encoding.ASCII.GetBytes("a plaintext longer than one AES block");
        var sealedData = _key.Seal(plaintext);
        using var json = System.Text.Json.JsonDocument.Parse(_key.ToMasterKeyJson());
        var encrypt = json.RootElement.GetProperty("encrypt").GetBytesFromBase64();
        var k = json.RootElement.GetProperty("mac").GetProperty("k").GetBytesFromBase64();
        var r = json.RootElement.GetProperty("mac").GetProperty("r").GetBytesFromBase64();
        var iv = sealedData[..16];

        var ciphertext = new byte[plaintext.Length];
        AesCtr.Transform(encrypt, iv, plaintext, ciphertext);
        using var aes = Aes.Create();
        aes.Key = k;
        var tag = new byte[16];
        Poly1305.ComputeTag([.. r, .. aes.EncryptEcb(iv, PaddingMode.None)], ciphertext, tag);

        Assert.Equal([.. iv, .. ciphertext, .. tag], sealedData);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(SegmentedBuffer.SegmentSize)]
    [InlineData((3 * SegmentedBuffer.SegmentSize) + 17)]
    public void Sealing_segments_in_place_gives_an_object_that_opens(int size)
    {
        var plaintext = RandomNumberGenerator.GetBytes(size);
        using var data = Segmented.From(plaintext);
        var iv = new byte[16];
        var mac = new byte[16];

        _key.SealInPlace(data, iv, mac);

        byte[] sealedData = [.. iv, .. data.ToArray(), .. mac];
        Assert.True(iv.AsSpan().ContainsAnyExcept((byte)0));
        Assert.Equal(plaintext, _key.Open(sealedData));
    }

    [Fact]
    public void Each_seal_uses_a_fresh_nonzero_iv()
    {
        var ivs = Enumerable.Range(0, 64).Select(_ => Convert.ToHexString(_key.Seal([1, 2, 3])[..16])).ToList();

        Assert.Equal(ivs.Count, ivs.Distinct().Count());
        Assert.DoesNotContain(new string('0', 32), ivs);
    }

    [Fact]
    public void Span_overloads_work_in_place()
    {
        var plaintext = RandomNumberGenerator.GetBytes(70_000);
        var buffer = new byte[plaintext.Length + CryptoKey.Overhead];
        plaintext.CopyTo(buffer, 16);

        Assert.Equal(buffer.Length, _key.Seal(buffer.AsSpan(16, plaintext.Length), buffer));
        Assert.NotEqual(plaintext, buffer[16..^16]);

        Assert.Equal(plaintext.Length, _key.Open(buffer, buffer.AsSpan(16, plaintext.Length)));
        Assert.Equal(plaintext, buffer[16..^16]);
    }

    [Fact]
    public void Misaligned_overlap_is_refused()
    {
        var buffer = new byte[100];

        Assert.Throws<ArgumentException>(() => _key.Seal(buffer.AsSpan(0, 40), buffer));
        var sealedData = _key.Seal(new byte[40]);
        sealedData.CopyTo(buffer, 0);
        Assert.Throws<ArgumentException>(() => _key.Open(buffer.AsSpan(0, sealedData.Length), buffer.AsSpan(0, 40)));
    }

    [Fact]
    public void Destination_too_small_is_refused()
    {
        Assert.Throws<ArgumentException>(() => _key.Seal(new byte[10], new byte[41]));
        Assert.Throws<ArgumentException>(() => _key.Open(_key.Seal(new byte[10]), new byte[9]));
    }

    [Fact]
    public void Another_key_cannot_open()
    {
        var sealedData = _key.Seal("secret"u8);

        Assert.False(CryptoKey.NewRandom().Verify(sealedData));
        Assert.Throws<CryptoAuthenticationException>(() => CryptoKey.NewRandom().Open(sealedData));
    }

    [Fact]
    public void Too_short_or_all_zero_iv_data_fails_authentication()
    {
        Assert.Throws<CryptoAuthenticationException>(() => _key.Open(new byte[31]));
        Assert.False(_key.Verify(new byte[31]));

        var sealedData = _key.Seal("x"u8);
        sealedData.AsSpan(0, 16).Clear();
        Assert.Throws<CryptoAuthenticationException>(() => _key.Open(sealedData));
        Assert.False(_key.Verify(sealedData));
    }

    [Fact]
    public void Failed_open_leaves_the_destination_untouched()
    {
        var sealedData = _key.Seal(new byte[100]);
        sealedData[50] ^= 1;
        var destination = Enumerable.Repeat((byte)0xAA, 100).ToArray();

        Assert.Throws<CryptoAuthenticationException>(() => _key.Open(sealedData, destination));
        Assert.All(destination, b => Assert.Equal(0xAA, b));
    }

    [Fact]
    public void One_key_is_usable_from_many_threads_at_once()
    {
        var inputs = Enumerable.Range(0, 64).Select(i => RandomNumberGenerator.GetBytes(1000 + (i * 977))).ToArray();
        var failures = 0;

        Parallel.For(0, 512, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            var input = inputs[i % inputs.Length];
            if (!_key.Open(_key.Seal(input)).AsSpan().SequenceEqual(input))
            {
                Interlocked.Increment(ref failures);
            }
        });

        Assert.Equal(0, failures);
    }

    [Fact]
    public void Constructor_masks_r_and_rejects_zero_parts()
    {
        var key = new CryptoKey(Enumerable.Repeat((byte)1, 32).ToArray(), Enumerable.Repeat((byte)2, 16).ToArray(), Enumerable.Repeat((byte)0xff, 16).ToArray());
        using var json = System.Text.Json.JsonDocument.Parse(key.ToMasterKeyJson());

        Assert.Equal(ResticVector.Hex("ffffff0ffcffff0ffcffff0ffcffff0f"), json.RootElement.GetProperty("mac").GetProperty("r").GetBytesFromBase64());
        Assert.Throws<ArgumentException>(() => new CryptoKey(new byte[32], new byte[16] { 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, new byte[16] { 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }));
        Assert.Throws<ArgumentException>(() => new CryptoKey(new byte[32] { 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, new byte[16], new byte[16] { 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }));
        Assert.Throws<ArgumentException>(() => new CryptoKey(new byte[31], new byte[16], new byte[16]));
    }

    [Fact]
    public void FromDerived_splits_encrypt_then_k_then_r()
    {
        var derived = Enumerable.Range(1, 64).Select(i => (byte)i).ToArray();
        var key = CryptoKey.FromDerived(derived);
        using var json = System.Text.Json.JsonDocument.Parse(key.ToMasterKeyJson());
        var mask = ResticVector.Hex("ffffff0ffcffff0ffcffff0ffcffff0f");

        Assert.Equal(derived[..32], json.RootElement.GetProperty("encrypt").GetBytesFromBase64());
        Assert.Equal(derived[32..48], json.RootElement.GetProperty("mac").GetProperty("k").GetBytesFromBase64());
        Assert.Equal(derived[48..].Select((b, i) => (byte)(b & mask[i])).ToArray(), json.RootElement.GetProperty("mac").GetProperty("r").GetBytesFromBase64());
    }
}
