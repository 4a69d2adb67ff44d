using System.Collections.Concurrent;

namespace Backup.Core.Chunking;

/// <summary>
/// The two lookup tables of the rolling Rabin fingerprint for one polynomial: <see cref="Out"/> removes the
/// byte leaving the 64-byte window, <see cref="Mod"/> reduces the digest after a byte is appended.
/// </summary>
internal sealed class ChunkerTables
{
    public const int WindowSize = 64;

    private static readonly ConcurrentDictionary<ulong, ChunkerTables> Cache = new();

    private ChunkerTables(Polynomial polynomial)
    {
        var p = polynomial.Value;
        var degree = polynomial.Degree;
        Shift = degree - 8;
        Out = new ulong[256];
        Mod = new ulong[256];
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
            Mod[b] = Polynomial.Mod(b << degree, p) | (b << degree);
        }
    }

    /// <summary>deg(P) - 8: shifting the digest by this much gives the byte that overflows on the next append.</summary>
    public int Shift { get; }

    public ulong[] Out { get; }

    public ulong[] Mod { get; }

    /// <summary>Tables are built once per polynomial and shared; a repository uses a single polynomial.</summary>
    public static ChunkerTables For(Polynomial polynomial) => Cache.GetOrAdd(polynomial.Value, static v => new ChunkerTables(new Polynomial(v)));
}
