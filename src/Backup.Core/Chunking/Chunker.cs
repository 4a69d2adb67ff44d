using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace Backup.Core.Chunking;

/// <summary>
/// Content-defined chunker with restic's parameters (64-byte window, 512 KiB minimum, 8 MiB maximum,
/// 20-bit split mask), so that cut points, and therefore blob IDs, match restic's for the same polynomial.
/// Not thread-safe: use one instance per stream.
/// </summary>
public sealed class Chunker
{
    public const int MinSize = 512 * 1024, MaxSize = 8 * 1024 * 1024;

    private const int WindowSize = ChunkerTables.WindowSize;
    private const ulong SplitMask = (1UL << 20) - 1;

    // The first bytes of a chunk that are hashed: cuts depend only on the window ending at the cut.
    private const int HashStart = MinSize - WindowSize;

    private readonly ulong[] _tables;
    private readonly int _degree;

    // The last hashed bytes of the current chunk, at index (position in chunk) % 64, kept between calls.
    private readonly byte[] _window = new byte[WindowSize];
    private ulong _digest;
    private int _count;

    public Chunker(Polynomial polynomial)
    {
        var degree = polynomial.Degree;
        if (degree > 53 || degree < 8)
        {
            throw new ArgumentException($"chunker polynomial {polynomial} has degree {degree}; it must be between 8 and 53", nameof(polynomial));
        }

        var tables = ChunkerTables.For(polynomial);
        _tables = tables.Packed;
        _degree = tables.Degree;
        Polynomial = polynomial;
    }

    public Polynomial Polynomial { get; }

    /// <summary>Starts a new chunk (also the start of every file).</summary>
    public void Reset()
    {
        // restic starts from a window holding a single 1 byte; that byte leaves the window exactly when the
        // chunk reaches MinSize, the first place a cut is checked, so starting from zero gives the same cuts.
        _digest = 0;
        _count = 0;
    }

    /// <summary>
    /// Feeds the next bytes of the current chunk. Returns how many bytes of <paramref name="data"/> belong to
    /// the current chunk up to and including the cut byte, or -1 when all of it belongs to the current chunk and
    /// no cut was found yet. After a cut, call <see cref="Reset"/> and feed the remaining bytes.
    /// </summary>
    public int FindCut(ReadOnlySpan<byte> data) =>
        _degree == Degree53.Value ? FindCut<Degree53>(data) : FindCut<AnyDegree>(data);

    /// <summary>
    /// The scan, compiled once with restic's degree 53 as a constant (shifts and masks become immediates,
    /// which frees the registers the inner loop needs) and once for any other degree.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private unsafe int FindCut<TDegree>(ReadOnlySpan<byte> data)
        where TDegree : struct, IDegree
    {
        var length = data.Length;
        var count = _count; // position in the chunk of data[0]
        var i = 0;

        // Bytes before the last window ahead of MinSize cannot influence any cut: skip them unhashed.
        if (count < HashStart)
        {
            i = Math.Min(HashStart - count, length);
            if (i == length)
            {
                _count = count + length;
                return -1;
            }
        }

        // data[end - 1] is the byte that makes the chunk MaxSize long: stopping there keeps the size test out of the loops.
        var end = (int)Math.Min(length, (long)MaxSize - count);
        var firstHashed = i;
        var k = TDegree.IsConstant ? TDegree.Value : _degree;
        var lowMask = (1UL << k) - 1;
        var d = _digest;

        // restic's step, digest = ((digest ^ out[leaving]) * x^8 + b) mod P, is computed by linearity as
        // (digest * x^8 mod P) ^ (out[leaving] * x^8 mod P) ^ b: the removal then lies off the digest's path.
        fixed (byte* input = data)
        fixed (byte* window = _window)
        fixed (ulong* t = _tables)
        {
            // Fill the window: the 64 bytes ending at MinSize are appended with nothing leaving yet.
            var minEnd = MinSize - count;
            var fillEnd = Math.Min(end, minEnd);
            if (i < fillEnd)
            {
                for (; i < fillEnd; i++)
                {
                    d = ((d << 8) & lowMask) ^ t[ChunkerTables.ModLow + (nuint)(d >> (k - 8))] ^ input[i];
                }

                if (i == minEnd && (d & SplitMask) == 0)
                {
                    goto Cut;
                }
            }

            // Until 64 bytes into this call, the byte leaving the window came in an earlier call.
            var ringEnd = Math.Min(end, WindowSize);
            for (; i < ringEnd; i++)
            {
                var leaving = window[(count + i) & (WindowSize - 1)];
                d = ((d << 8) & lowMask) ^ t[ChunkerTables.ModLow + (nuint)(d >> (k - 8))] ^ t[ChunkerTables.Out8 + leaving] ^ input[i];
                if ((d & SplitMask) == 0)
                {
                    i++;
                    goto Cut;
                }
            }

            if (k >= 32 && i + 4 <= end)
            {
                var cut = RollFour<TDegree>(input + i, input + end - 4, t, k, ref d);
                if (cut >= 0)
                {
                    i += cut;
                    goto Cut;
                }

                i = end - ((end - i) & 3);
            }

            for (; i < end; i++)
            {
                d = ((d << 8) & lowMask) ^ t[ChunkerTables.ModLow + (nuint)(d >> (k - 8))] ^ t[ChunkerTables.Out8 + input[i - WindowSize]] ^ input[i];
                if ((d & SplitMask) == 0)
                {
                    i++;
                    goto Cut;
                }
            }

            if (count + i >= MaxSize)
            {
                goto Cut;
            }

            // No cut: keep the last hashed bytes for the next call's window.
            for (var j = Math.Max(firstHashed, length - WindowSize); j < length; j++)
            {
                window[(count + j) & (WindowSize - 1)] = input[j];
            }
        }

        _digest = d;
        _count = count + length;
        return -1;

    Cut:
        _count = count + i;
        return i;
    }

    /// <summary>
    /// Rolls the digest over p[0] .. last[3], four bytes per round, and returns the offset after the cut byte or -1.
    /// The next round's digest comes from this round's with one level of lookups, while the three digests in
    /// between, needed only for the cut test, are computed off that path. Kept separate so that the digest and
    /// the tables stay in registers.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static unsafe int RollFour<TDegree>(byte* start, byte* last, ulong* t, int degree, ref ulong digest)
        where TDegree : struct, IDegree
    {
        var k = TDegree.IsConstant ? TDegree.Value : degree;
        var lowMask = (1UL << k) - 1;
        var d = digest;
        var p = start;
        for (; p <= last; p += 4)
        {
            nuint o1 = p[-WindowSize], o2 = p[1 - WindowSize], o3 = p[2 - WindowSize], o4 = p[3 - WindowSize];

            var d1 = ((d << 8) & lowMask) ^ t[ChunkerTables.ModLow + (nuint)(d >> (k - 8))] ^ t[ChunkerTables.Out8 + o1] ^ p[0];
            var d2 = ((d1 << 8) & lowMask) ^ t[ChunkerTables.ModLow + (nuint)(d1 >> (k - 8))] ^ t[ChunkerTables.Out8 + o2] ^ p[1];
            var d3 = ((d2 << 8) & lowMask) ^ t[ChunkerTables.ModLow + (nuint)(d2 >> (k - 8))] ^ t[ChunkerTables.Out8 + o3] ^ p[2];

            var incoming = BinaryPrimitives.ReverseEndianness(Unsafe.ReadUnaligned<uint>(p));
            var change = t[ChunkerTables.Out32 + o1] ^ t[ChunkerTables.Out24 + o2] ^ t[ChunkerTables.Out16 + o3] ^ t[ChunkerTables.Out8 + o4] ^ incoming;
            // Balanced so that only two XORs follow the last lookup.
            var d4 = (t[ChunkerTables.Shift24 + (nuint)(d >> (k - 8))] ^ t[ChunkerTables.Shift16 + (nuint)(byte)(d >> (k - 16))])
                ^ (t[ChunkerTables.Shift8 + (nuint)(byte)(d >> (k - 24))] ^ t[ChunkerTables.ModLow + (nuint)(byte)(d >> (k - 32))])
                ^ (((d << 32) & lowMask) ^ change);

            if ((d1 & SplitMask) == 0)
            {
                return (int)(p - start) + 1;
            }

            if ((d2 & SplitMask) == 0)
            {
                return (int)(p - start) + 2;
            }

            if ((d3 & SplitMask) == 0)
            {
                return (int)(p - start) + 3;
            }

            if ((d4 & SplitMask) == 0)
            {
                return (int)(p - start) + 4;
            }

            d = d4;
        }

        digest = d;
        return -1;
    }

    private interface IDegree
    {
        static abstract bool IsConstant { get; }

        static abstract int Value { get; }
    }

    private readonly struct Degree53 : IDegree
    {
        public static bool IsConstant => true;

        public static int Value => 53;
    }

    private readonly struct AnyDegree : IDegree
    {
        public static bool IsConstant => false;

        public static int Value => 0;
    }
}
