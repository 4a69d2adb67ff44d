using System.Buffers;
using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Backup.Core.Crypto;

/// <summary>
/// AES-256 in counter mode as restic (Go's cipher.NewCTR) uses it: the whole 16-byte IV is one
/// big-endian 128-bit counter, incremented per block with the carry running across all 16 bytes.
/// </summary>
public static class AesCtr
{
    public const int KeySize = 32;
    public const int BlockSize = 16;

    // Counter blocks encrypted per ECB call: big enough to amortise the per-call cost, small enough to stay in cache.
    private const int ChunkSize = 16 * 1024;

    /// <summary>XORs <paramref name="input"/> with the keystream into <paramref name="output"/>; both may be the same span.</summary>
    public static void Transform(ReadOnlySpan<byte> key32, ReadOnlySpan<byte> iv16, ReadOnlySpan<byte> input, Span<byte> output)
    {
        if (key32.Length != KeySize)
        {
            throw new ArgumentException($"an AES-256 key has {KeySize} bytes, not {key32.Length}", nameof(key32));
        }

        using var aes = Aes.Create();
        aes.SetKey(key32);
        using var ecb = CreateEcbEncryptor(aes);
        Transform(ecb, iv16, input, output);
    }

    /// <summary>
    /// A reusable raw AES block encryptor. Unlike the one-shot <see cref="SymmetricAlgorithm.EncryptEcb(ReadOnlySpan{byte}, PaddingMode)"/>,
    /// which sets up a native cipher context on every call (microseconds each), it keeps one context for its lifetime.
    /// </summary>
    internal static ICryptoTransform CreateEcbEncryptor(Aes aes)
    {
        aes.Mode = CipherMode.ECB;
        aes.Padding = PaddingMode.None;
        return aes.CreateEncryptor();
    }

    /// <summary>The same transform with an encryptor from <see cref="CreateEcbEncryptor"/> that no other thread uses meanwhile.</summary>
    internal static void Transform(ICryptoTransform ecb, ReadOnlySpan<byte> iv16, ReadOnlySpan<byte> input, Span<byte> output) =>
        Transform(ecb, iv16, 0, input, output);

    /// <summary>
    /// The transform of a piece of a longer message that starts <paramref name="blockOffset"/> blocks into it, so a message
    /// held in pieces (each a whole number of blocks but the last) is transformed piece by piece.
    /// </summary>
    internal static void Transform(ICryptoTransform ecb, ReadOnlySpan<byte> iv16, ulong blockOffset, ReadOnlySpan<byte> input, Span<byte> output)
    {
        if (iv16.Length != BlockSize)
        {
            throw new ArgumentException($"an AES-CTR IV has {BlockSize} bytes, not {iv16.Length}", nameof(iv16));
        }

        if (output.Length < input.Length)
        {
            throw new ArgumentException($"the output has {output.Length} bytes, the input {input.Length}", nameof(output));
        }

        if (input.Overlaps(output, out var offset) && offset != 0)
        {
            throw new ArgumentException("input and output must be the same span or not overlap at all", nameof(output));
        }

        if (input.IsEmpty)
        {
            return;
        }

        var high = BinaryPrimitives.ReadUInt64BigEndian(iv16);
        var low = BinaryPrimitives.ReadUInt64BigEndian(iv16[8..]);
        var advanced = unchecked(low + blockOffset);
        if (advanced < low)
        {
            high = unchecked(high + 1);
        }

        low = advanced;
        var chunkSize = input.Length >= ChunkSize ? ChunkSize : (input.Length + BlockSize - 1) & ~(BlockSize - 1);
        var buffer = ArrayPool<byte>.Shared.Rent(chunkSize);
        try
        {
            for (var position = 0; position < input.Length; position += chunkSize)
            {
                var length = Math.Min(chunkSize, input.Length - position);
                var blocksLength = (length + BlockSize - 1) & ~(BlockSize - 1);
                WriteCounters(buffer.AsSpan(0, blocksLength), ref high, ref low);
                ecb.TransformBlock(buffer, 0, blocksLength, buffer, 0);
                Xor(input.Slice(position, length), buffer, output.Slice(position, length));
            }
        }
        finally
        {
            // Keystream XOR ciphertext is plaintext: do not leave it in a shared pool.
            CryptographicOperations.ZeroMemory(buffer.AsSpan(0, chunkSize));
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Fills whole blocks with consecutive big-endian 128-bit counters, advancing (high, low) past them.</summary>
    private static void WriteCounters(Span<byte> blocks, ref ulong high, ref ulong low)
    {
        ref var start = ref MemoryMarshal.GetReference(blocks);
        var bigHigh = BitConverter.IsLittleEndian ? BinaryPrimitives.ReverseEndianness(high) : high;
        for (nuint offset = 0; offset < (nuint)blocks.Length; offset += BlockSize)
        {
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref start, offset), bigHigh);
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref start, offset + 8), BitConverter.IsLittleEndian ? BinaryPrimitives.ReverseEndianness(low) : low);
            low++;
            if (low == 0)
            {
                high++;
                bigHigh = BitConverter.IsLittleEndian ? BinaryPrimitives.ReverseEndianness(high) : high;
            }
        }
    }

    /// <summary>output[i] = input[i] ^ keystream[i] for i below input.Length; output may alias input exactly.</summary>
    private static void Xor(ReadOnlySpan<byte> input, ReadOnlySpan<byte> keystream, Span<byte> output)
    {
        ref var source = ref MemoryMarshal.GetReference(input);
        ref var key = ref MemoryMarshal.GetReference(keystream);
        ref var destination = ref MemoryMarshal.GetReference(output);
        var length = (nuint)input.Length;
        nuint i = 0;
        if (Vector.IsHardwareAccelerated && length >= (nuint)Vector<byte>.Count)
        {
            var width = (nuint)Vector<byte>.Count;
            for (; i + width <= length; i += width)
            {
                var value = Vector.LoadUnsafe(ref source, i) ^ Vector.LoadUnsafe(ref key, i);
                value.StoreUnsafe(ref destination, i);
            }
        }

        for (; i < length; i++)
        {
            Unsafe.Add(ref destination, i) = (byte)(Unsafe.Add(ref source, i) ^ Unsafe.Add(ref key, i));
        }
    }
}
