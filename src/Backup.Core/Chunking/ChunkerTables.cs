using System.Collections.Concurrent;

namespace Backup.Core.Chunking;

/// <summary>
/// Lookup tables of the rolling Rabin fingerprint for one polynomial P of degree k.
/// <see cref="Out"/> and <see cref="Mod"/> are restic's two tables (format section 11.2). <see cref="Packed"/>
/// holds the tables the chunker's loop actually uses: the same arithmetic rearranged so that four bytes can be
/// appended with one dependent round of lookups.
/// </summary>
internal sealed class ChunkerTables
{
    public const int WindowSize = 64;

    /// <summary>Offsets of the 256-entry tables inside <see cref="Packed"/>.</summary>
    public const int ModLow = 0,   // (b << k) mod P: reduces one byte that overflowed past degree k
        Shift8 = 256,              // (b << (k + 8)) mod P
        Shift16 = 512,             // (b << (k + 16)) mod P
        Shift24 = 768,             // (b << (k + 24)) mod P
        Out8 = 1024,               // (out[b] << 8) mod P: removal of b folded into the next append
        Out16 = 1280,              // (out[b] << 16) mod P
        Out24 = 1536,              // (out[b] << 24) mod P
        Out32 = 1792;              // (out[b] << 32) mod P

    private static readonly ConcurrentDictionary<ulong, ChunkerTables> Cache = new();

    private ChunkerTables(Polynomial polynomial)
    {
        var p = polynomial.Value;
        var degree = polynomial.Degree;
        Degree = degree;
        Out = new ulong[256];
        Mod = new ulong[256];
        Packed = new ulong[2048];
        for (ulong b = 0; b < 256; b++)
        {
            // Fingerprint of b followed by WindowSize - 1 zero bytes: XORing it out drops b from the window.
            var h = Polynomial.Mod(b, p);
            for (var i = 1; i < WindowSize; i++)
            {
                h = Polynomial.Mod(h << 8, p);
            }

            Out[b] = h;

            // Includes b << degree itself so that one XOR both clears the top byte and adds its remainder.
            var low = Polynomial.Mod(b << degree, p);
            Mod[b] = low | (b << degree);

            Packed[ModLow + (int)b] = low;
            Packed[Shift8 + (int)b] = low = Polynomial.Mod(low << 8, p);
            Packed[Shift16 + (int)b] = low = Polynomial.Mod(low << 8, p);
            Packed[Shift24 + (int)b] = Polynomial.Mod(low << 8, p);
            Packed[Out8 + (int)b] = h = Polynomial.Mod(h << 8, p);
            Packed[Out16 + (int)b] = h = Polynomial.Mod(h << 8, p);
            Packed[Out24 + (int)b] = h = Polynomial.Mod(h << 8, p);
            Packed[Out32 + (int)b] = Polynomial.Mod(h << 8, p);
        }
    }

    /// <summary>deg(P); the digest always stays below 2^Degree.</summary>
    public int Degree { get; }

    public ulong[] Out { get; }

    public ulong[] Mod { get; }

    public ulong[] Packed { get; }

    /// <summary>Tables are built once per polynomial and shared; a repository uses a single polynomial.</summary>
    public static ChunkerTables For(Polynomial polynomial) => Cache.GetOrAdd(polynomial.Value, static v => new ChunkerTables(new Polynomial(v)));
}
