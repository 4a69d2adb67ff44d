using Backup.Core.Chunking;

namespace Backup.Core.Tests.Chunking;

/// <summary>
/// A deliberately plain transcription of the format's chunker description (sections 11.2 to 11.4): one byte at a
/// time, restic's initial window holding a 1, no skipping. The optimised <see cref="Chunker"/> must agree with it.
/// </summary>
internal static class ReferenceChunker
{
    public static List<int> ChunkLengths(Polynomial polynomial, ReadOnlySpan<byte> data)
    {
        var p = polynomial.Value;
        var degree = polynomial.Degree;
        var outTable = new ulong[256];
        var modTable = new ulong[256];
        for (ulong b = 0; b < 256; b++)
        {
            var h = Mod(b, p);
            for (var i = 0; i < 63; i++)
            {
                h = Mod(h << 8, p);
            }

            outTable[b] = h;
            modTable[b] = Mod(b << degree, p) | (b << degree);
        }

        var lengths = new List<int>();
        var window = new byte[64];
        int position = 0, windowPosition = 0, n = 0, chunkStart = 0;
        ulong digest = 0;

        void Slide(byte b)
        {
            digest ^= outTable[window[windowPosition]];
            window[windowPosition] = b;
            windowPosition = (windowPosition + 1) % 64;
            var index = digest >> (degree - 8);
            digest = ((digest << 8) | b) ^ modTable[index];
        }

        void Reset()
        {
            Array.Clear(window);
            windowPosition = 0;
            digest = 0;
            n = 0;
            Slide(1);
        }

        Reset();
        for (; position < data.Length; position++)
        {
            n++;
            if (n <= Chunker.MinSize - 64)
            {
                continue;
            }

            Slide(data[position]);
            if (((digest & 0xFFFFF) == 0 || n >= Chunker.MaxSize) && n >= Chunker.MinSize)
            {
                lengths.Add(n);
                chunkStart = position + 1;
                Reset();
            }
        }

        if (chunkStart < data.Length)
        {
            lengths.Add(data.Length - chunkStart);
        }

        return lengths;
    }

    /// <summary>Schoolbook remainder, one bit at a time.</summary>
    private static ulong Mod(ulong x, ulong m)
    {
        var degree = 63 - System.Numerics.BitOperations.LeadingZeroCount(m);
        for (var bit = 63; bit >= degree; bit--)
        {
            if ((x >> bit & 1) != 0)
            {
                x ^= m << (bit - degree);
            }
        }

        return x;
    }
}
