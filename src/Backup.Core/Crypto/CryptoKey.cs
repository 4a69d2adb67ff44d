using Backup.Core.Buffers;
using Backup.Core.Model;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Backup.Core.Crypto;

/// <summary>
/// A restic crypto key (AES-256 encryption key plus Poly1305-AES MAC key k, r) and the object format it
/// seals: IV(16) ‖ AES-256-CTR ciphertext ‖ Poly1305-AES MAC of the ciphertext (16). Safe for concurrent use.
/// </summary>
public sealed class CryptoKey
{
    public const int Overhead = IvSize + MacSize;

    internal const int IvSize = 16;
    internal const int MacSize = 16;
    internal const int EncryptKeySize = 32;
    internal const int MacKeySize = 16;
    internal const int DerivedSize = EncryptKeySize + (2 * MacKeySize);

    private readonly byte[] _encrypt;
    private readonly byte[] _macK;
    private readonly byte[] _macR;

    // Native cipher contexts are not thread-safe and cost a key schedule to create, so each key keeps idle ones for reuse.
    private readonly ConcurrentBag<Ciphers> _idle = [];

    public CryptoKey(ReadOnlySpan<byte> encrypt32, ReadOnlySpan<byte> macK16, ReadOnlySpan<byte> macR16)
    {
        CheckPart(encrypt32, EncryptKeySize, "encryption key", nameof(encrypt32));
        CheckPart(macK16, MacKeySize, "MAC key k", nameof(macK16));
        CheckPart(macR16, MacKeySize, "MAC key r", nameof(macR16));
        _encrypt = encrypt32.ToArray();
        _macK = macK16.ToArray();
        _macR = macR16.ToArray();
        MaskR(_macR);

        // A masked r can only become zero if it was all in masked-off bits; the Poly1305 tag would then be just s.
        if (!_macR.AsSpan().ContainsAnyExcept((byte)0))
        {
            throw new ArgumentException("the MAC key r is zero after masking", nameof(macR16));
        }
    }

    private static ReadOnlySpan<byte> RMask =>
        [0xff, 0xff, 0xff, 0x0f, 0xfc, 0xff, 0xff, 0x0f, 0xfc, 0xff, 0xff, 0x0f, 0xfc, 0xff, 0xff, 0x0f];

    /// <summary>A new key from the system CSPRNG, as restic generates a master key.</summary>
    public static CryptoKey NewRandom()
    {
        Span<byte> bytes = stackalloc byte[DerivedSize];
        try
        {
            while (true)
            {
                RandomNumberGenerator.Fill(bytes);
                MaskR(bytes[48..]);
                if (bytes[..32].ContainsAnyExcept((byte)0) && bytes[32..48].ContainsAnyExcept((byte)0) && bytes[48..].ContainsAnyExcept((byte)0))
                {
                    return FromDerived(bytes);
                }
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes);
        }
    }

    /// <summary>Splits 64 bytes of scrypt output as restic does: encrypt = [0:32], k = [32:48], r = [48:64].</summary>
    public static CryptoKey FromDerived(ReadOnlySpan<byte> scryptOutput64)
    {
        if (scryptOutput64.Length != DerivedSize)
        {
            throw new ArgumentException($"derived key material has {DerivedSize} bytes, not {scryptOutput64.Length}", nameof(scryptOutput64));
        }

        return new CryptoKey(scryptOutput64[..32], scryptOutput64[32..48], scryptOutput64[48..]);
    }

    /// <summary>
    /// Writes IV ‖ ciphertext ‖ MAC for a fresh random IV and returns plaintext.Length + 32. The plaintext may
    /// already sit at destination[16..] (in-place sealing); any other overlap is refused.
    /// </summary>
    public int Seal(ReadOnlySpan<byte> plaintext, Span<byte> destination)
    {
        var total = checked(plaintext.Length + Overhead);
        if (destination.Length < total)
        {
            throw new ArgumentException($"sealing {plaintext.Length} bytes needs a {total}-byte destination, not {destination.Length}", nameof(destination));
        }

        destination = destination[..total];
        if (destination.Overlaps(plaintext, out var offset) && offset != IvSize)
        {
            throw new ArgumentException("the plaintext may overlap the destination only exactly at offset 16", nameof(destination));
        }

        Span<byte> iv = stackalloc byte[IvSize];
        NewIv(iv);

        var ciphertext = destination.Slice(IvSize, plaintext.Length);
        var ciphers = Rent();
        try
        {
            AesCtr.Transform(ciphers.Encrypt, iv, plaintext, ciphertext);
            iv.CopyTo(destination);
            ComputeMac(ciphers, iv, ciphertext, destination[(IvSize + plaintext.Length)..]);
        }
        finally
        {
            Return(ciphers);
        }

        return total;
    }

    /// <summary>
    /// Seals data held in segments by encrypting them in place, for a sealed object IV ‖ segments ‖ MAC that is
    /// written out piece by piece: the fresh IV goes to <paramref name="iv16"/>, the MAC to <paramref name="mac16"/>.
    /// </summary>
    public void SealInPlace(SegmentedBuffer data, Span<byte> iv16, Span<byte> mac16)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (iv16.Length != IvSize || mac16.Length != MacSize)
        {
            throw new ArgumentException($"sealing needs a {IvSize}-byte IV and a {MacSize}-byte MAC destination, not {iv16.Length} and {mac16.Length}");
        }

        NewIv(iv16);
        var ciphers = Rent();
        try
        {
            // Segments are whole AES blocks, so each one continues the keystream where the one before ended.
            using var mac = StartMac(ciphers, iv16);
            for (var i = 0; i < data.SegmentCount; i++)
            {
                var segment = data.Segment(i).Span;
                AesCtr.Transform(ciphers.Encrypt, iv16, (ulong)i * (SegmentedBuffer.SegmentSize / AesCtr.BlockSize), segment, segment);
                mac.Append(segment);
            }

            mac.Finish(mac16);
        }
        finally
        {
            Return(ciphers);
        }
    }

    public byte[] Seal(ReadOnlySpan<byte> plaintext)
    {
        var sealedData = new byte[checked(plaintext.Length + Overhead)];
        Seal(plaintext, sealedData);
        return sealedData;
    }

    /// <summary>
    /// Checks the MAC in constant time, and only then decrypts into <paramref name="destination"/>; returns the plaintext
    /// length. The destination may be exactly sealedData[16..^16] (in-place opening); any other overlap is refused.
    /// </summary>
    /// <exception cref="CryptoAuthenticationException">The data is too short, has an all-zero IV, or its MAC does not match.</exception>
    public int Open(ReadOnlySpan<byte> sealedData, Span<byte> destination)
    {
        CheckShape(sealedData);
        var iv = sealedData[..IvSize];
        var ciphertext = sealedData[IvSize..^MacSize];
        if (destination.Length < ciphertext.Length)
        {
            throw new ArgumentException($"opening {sealedData.Length} bytes needs a {ciphertext.Length}-byte destination, not {destination.Length}", nameof(destination));
        }

        destination = destination[..ciphertext.Length];
        if (destination.Overlaps(sealedData, out var offset) && offset != -IvSize)
        {
            throw new ArgumentException("the destination may overlap the sealed data only exactly at its ciphertext", nameof(destination));
        }

        var ciphers = Rent();
        try
        {
            if (!MacMatches(ciphers, iv, ciphertext, sealedData[^MacSize..]))
            {
                throw new CryptoAuthenticationException();
            }

            AesCtr.Transform(ciphers.Encrypt, iv, ciphertext, destination);
        }
        finally
        {
            Return(ciphers);
        }

        return ciphertext.Length;
    }

    public byte[] Open(ReadOnlySpan<byte> sealedData)
    {
        CheckShape(sealedData);
        var plaintext = new byte[sealedData.Length - Overhead];
        Open(sealedData, plaintext);
        return plaintext;
    }

    /// <summary>Whether the MAC of <paramref name="sealedData"/> matches under this key; decrypts nothing.</summary>
    public bool Verify(ReadOnlySpan<byte> sealedData)
    {
        if (sealedData.Length < Overhead || !sealedData[..IvSize].ContainsAnyExcept((byte)0))
        {
            return false;
        }

        var ciphers = Rent();
        try
        {
            return MacMatches(ciphers, sealedData[..IvSize], sealedData[IvSize..^MacSize], sealedData[^MacSize..]);
        }
        finally
        {
            Return(ciphers);
        }
    }

    /// <summary>The master key JSON restic stores (encrypted) in key files: {"mac":{"k":"…","r":"…"},"encrypt":"…"}.</summary>
    public byte[] ToMasterKeyJson()
    {
        var json = new StringBuilder(128)
            .Append("{\"mac\":{\"k\":\"").Append(Convert.ToBase64String(_macK))
            .Append("\",\"r\":\"").Append(Convert.ToBase64String(_macR))
            .Append("\"},\"encrypt\":\"").Append(Convert.ToBase64String(_encrypt))
            .Append("\"}");
        return Encoding.ASCII.GetBytes(json.ToString());
    }

    /// <summary>Reads the master key JSON; keys match case-insensitively and unknown keys are ignored, as in Go.</summary>
    /// <exception cref="FormatException">The JSON is malformed, or a part is missing, of the wrong size, or all zeros.</exception>
    public static CryptoKey FromMasterKeyJson(ReadOnlySpan<byte> json)
    {
        byte[]? encrypt = null, k = null, r = null;
        try
        {
            JsonDocument document;
            try
            {
                document = JsonDocument.Parse(json.ToArray());
            }
            catch (JsonException e)
            {
                throw new FormatException($"master key is not valid JSON: {e.Message}", e);
            }

            using (document)
            {
                var root = document.RootElement;
                if (root.ValueKind != JsonValueKind.Object)
                {
                    throw new FormatException($"master key JSON must be an object, not {root.ValueKind}");
                }

                foreach (var property in root.EnumerateObject())
                {
                    if (GoJson.KeyMatches(property.Name, "encrypt"))
                    {
                        encrypt = ReadKeyPart(property.Value, "encrypt");
                    }
                    else if (GoJson.KeyMatches(property.Name, "mac"))
                    {
                        if (property.Value.ValueKind == JsonValueKind.Null)
                        {
                            continue;
                        }

                        if (property.Value.ValueKind != JsonValueKind.Object)
                        {
                            throw new FormatException($"master key field \"mac\" must be an object, not {property.Value.ValueKind}");
                        }

                        foreach (var part in property.Value.EnumerateObject())
                        {
                            if (GoJson.KeyMatches(part.Name, "k"))
                            {
                                k = ReadKeyPart(part.Value, "mac.k");
                            }
                            else if (GoJson.KeyMatches(part.Name, "r"))
                            {
                                r = ReadKeyPart(part.Value, "mac.r");
                            }
                        }
                    }
                }
            }

            CheckJsonPart(encrypt, EncryptKeySize, "encrypt");
            CheckJsonPart(k, MacKeySize, "mac.k");
            CheckJsonPart(r, MacKeySize, "mac.r");
            return new CryptoKey(encrypt, k, r);
        }
        catch (ArgumentException e)
        {
            throw new FormatException($"master key is unusable: {e.Message}", e);
        }
        finally
        {
            Wipe(encrypt);
            Wipe(k);
            Wipe(r);
        }
    }

    private static byte[]? ReadKeyPart(JsonElement value, string field)
    {
        if (value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.String || !value.TryGetBytesFromBase64(out var bytes))
        {
            throw new FormatException($"master key field \"{field}\" must be a base64 string");
        }

        return bytes;
    }

    private static void CheckJsonPart([System.Diagnostics.CodeAnalysis.NotNull] byte[]? part, int size, string field)
    {
        if (part is null)
        {
            throw new FormatException($"master key field \"{field}\" is missing");
        }

        if (part.Length != size)
        {
            throw new FormatException($"master key field \"{field}\" must decode to {size} bytes, not {part.Length}");
        }

        if (!part.AsSpan().ContainsAnyExcept((byte)0))
        {
            throw new FormatException($"master key field \"{field}\" is all zeros");
        }
    }

    private static void Wipe(byte[]? secret)
    {
        if (secret is not null)
        {
            CryptographicOperations.ZeroMemory(secret);
        }
    }

    private static void CheckPart(ReadOnlySpan<byte> part, int size, string what, string parameter)
    {
        if (part.Length != size)
        {
            throw new ArgumentException($"the {what} has {size} bytes, not {part.Length}", parameter);
        }

        if (!part.ContainsAnyExcept((byte)0))
        {
            throw new ArgumentException($"the {what} is all zeros", parameter);
        }
    }

    private static void MaskR(Span<byte> r)
    {
        for (var i = 0; i < MacKeySize; i++)
        {
            r[i] &= RMask[i];
        }
    }

    private static void CheckShape(ReadOnlySpan<byte> sealedData)
    {
        if (sealedData.Length < Overhead)
        {
            throw new CryptoAuthenticationException($"ciphertext verification failed: {sealedData.Length} bytes is shorter than the {Overhead}-byte IV and MAC");
        }

        if (!sealedData[..IvSize].ContainsAnyExcept((byte)0))
        {
            throw new CryptoAuthenticationException("ciphertext verification failed: the IV is all zeros");
        }
    }

    private bool MacMatches(Ciphers ciphers, ReadOnlySpan<byte> iv, ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> stored)
    {
        Span<byte> computed = stackalloc byte[MacSize];
        ComputeMac(ciphers, iv, ciphertext, computed);
        return CryptographicOperations.FixedTimeEquals(computed, stored);
    }

    private static void NewIv(Span<byte> iv)
    {
        do
        {
            RandomNumberGenerator.Fill(iv);
        }
        while (!iv.ContainsAnyExcept((byte)0)); // restic refuses an all-zero IV on both sides.
    }

    /// <summary>Poly1305-AES: tag = Poly1305(r ‖ AES-128(k, IV), ciphertext).</summary>
    private void ComputeMac(Ciphers ciphers, ReadOnlySpan<byte> iv, ReadOnlySpan<byte> ciphertext, Span<byte> tag)
    {
        using var mac = StartMac(ciphers, iv);
        mac.Append(ciphertext);
        mac.Finish(tag);
    }

    /// <summary>Starts the Poly1305-AES tag for this IV; the one-time key r ‖ AES-128(k, IV) is wiped once the context has it.</summary>
    private Poly1305.Computation StartMac(Ciphers ciphers, ReadOnlySpan<byte> iv)
    {
        var oneTimeKey = ciphers.OneTimeKey;
        try
        {
            _macR.CopyTo(oneTimeKey, 0);
            iv.CopyTo(oneTimeKey.AsSpan(MacKeySize));
            ciphers.Mac.TransformBlock(oneTimeKey, MacKeySize, IvSize, oneTimeKey, MacKeySize);
            return Poly1305.Start(oneTimeKey);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(oneTimeKey);
        }
    }

    private Ciphers Rent() => _idle.TryTake(out var ciphers) ? ciphers : new Ciphers(_encrypt, _macK);

    private void Return(Ciphers ciphers) => _idle.Add(ciphers);

    /// <summary>The AES-256 (CTR keystream) and AES-128 (MAC nonce) block encryptors one operation uses.</summary>
    private sealed class Ciphers
    {
        public Ciphers(byte[] encrypt, byte[] macK)
        {
            using var aes256 = Aes.Create();
            aes256.SetKey(encrypt);
            Encrypt = AesCtr.CreateEcbEncryptor(aes256);
            using var aes128 = Aes.Create();
            aes128.SetKey(macK);
            Mac = AesCtr.CreateEcbEncryptor(aes128);
        }

        public ICryptoTransform Encrypt { get; }

        public ICryptoTransform Mac { get; }

        /// <summary>Scratch for r ‖ AES-128(k, IV); an array because ICryptoTransform works on arrays.</summary>
        public byte[] OneTimeKey { get; } = new byte[Poly1305.KeySize];
    }
}
