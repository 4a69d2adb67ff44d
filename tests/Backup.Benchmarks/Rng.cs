using System.Numerics;
using System.Runtime.InteropServices;

namespace Backup.Benchmarks;

/// <summary>
/// xoshiro256** seeded through SplitMix64. Fast, and the same sequence on every
/// little-endian machine and runtime, which is what makes the dataset reproducible byte for byte.
/// </summary>
internal struct Rng
{
    private ulong _s0, _s1, _s2, _s3;

    public Rng(ulong seed)
    {
        var x = seed;
        _s0 = SplitMix(ref x);
        _s1 = SplitMix(ref x);
        _s2 = SplitMix(ref x);
        _s3 = SplitMix(ref x);
    }

    /// <summary>A generator for one independent stream, named by a few numbers.</summary>
    public static Rng For(ulong seed, ulong stream, ulong index, ulong extra = 0)
        => new(Combine(Combine(Combine(seed, stream), index), extra));

    public static ulong Combine(ulong a, ulong b)
    {
        var x = a ^ (b + 0x9E3779B97F4A7C15UL + (a << 6) + (a >> 2));
        return SplitMix(ref x);
    }

    private static ulong SplitMix(ref ulong x)
    {
        x += 0x9E3779B97F4A7C15UL;
        var z = x;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    public ulong Next()
    {
        var result = BitOperations.RotateLeft(_s1 * 5, 7) * 9;
        var t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = BitOperations.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>Uniform in [0, bound), by the multiply-shift method (bias below 2^-32, irrelevant here).</summary>
    public int Below(int bound) => (int)(((Next() >> 32) * (ulong)bound) >> 32);

    public void Fill(Span<byte> destination)
    {
        var words = MemoryMarshal.Cast<byte, ulong>(destination);
        for (var i = 0; i < words.Length; i++)
        {
            words[i] = Next();
        }

        var rest = destination[(words.Length * sizeof(ulong))..];
        if (rest.Length > 0)
        {
            Span<byte> last = stackalloc byte[sizeof(ulong)];
            MemoryMarshal.Write(last, Next());
            last[..rest.Length].CopyTo(rest);
        }
    }
}
