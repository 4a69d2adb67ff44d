using System.Buffers.Binary;
using System.Numerics;
using System.Security.Cryptography;

namespace Backup.Core.Chunking;

/// <summary>
/// A polynomial over GF(2) of degree at most 63, stored as a bit vector (bit i is the coefficient of x^i).
/// The repository config holds one of degree 53 as the chunker polynomial.
/// </summary>
public readonly struct Polynomial : IEquatable<Polynomial>
{
    /// <summary>The degree of polynomials that <see cref="Random"/> generates, as restic does.</summary>
    public const int RandomDegree = 53;

    public Polynomial(ulong value)
    {
        Value = value;
    }

    public ulong Value { get; }

    /// <summary>The index of the highest set bit; -1 for the zero polynomial.</summary>
    public int Degree => 63 - BitOperations.LeadingZeroCount(Value);

    /// <summary>Ben-Or's test: P is irreducible iff gcd(P, x^(2^i) - x mod P) = 1 for i = 1 .. deg/2.</summary>
    public bool IsIrreducible()
    {
        var degree = Degree;
        if (degree < 1)
        {
            return false;
        }

        const ulong x = 2;
        var power = Mod(x, Value); // x^(2^0)
        for (var i = 1; i <= degree / 2; i++)
        {
            power = MulMod(power, power, Value);
            if (Gcd(Value, Mod(power ^ x, Value)) != 1)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// A random irreducible polynomial of degree 53, generated like restic: 54 random low bits with
    /// bits 53 and 0 set, drawn again until irreducible (roughly one draw in 27 succeeds).
    /// </summary>
    public static Polynomial Random()
    {
        Span<byte> bytes = stackalloc byte[8];
        while (true)
        {
            RandomNumberGenerator.Fill(bytes);
            var value = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
            value &= (1UL << (RandomDegree + 1)) - 1;
            value |= (1UL << RandomDegree) | 1;
            var candidate = new Polynomial(value);
            if (candidate.IsIrreducible())
            {
                return candidate;
            }
        }
    }

    /// <summary>Parses lower- or upper-case hex without a "0x" prefix, as in the repository config.</summary>
    public static Polynomial Parse(string hex)
    {
        ArgumentNullException.ThrowIfNull(hex);
        if (!TryParse(hex, out var polynomial))
        {
            throw new FormatException($"\"{hex}\" is not a chunker polynomial: expected 1 to 16 hex digits without 0x");
        }

        return polynomial;
    }

    public static bool TryParse(string? hex, out Polynomial polynomial)
    {
        polynomial = default;
        if (string.IsNullOrEmpty(hex) || hex.Length > 16)
        {
            return false;
        }

        ulong value = 0;
        foreach (var c in hex)
        {
            var digit = HexDigit(c);
            if (digit < 0)
            {
                return false;
            }

            value = (value << 4) | (uint)digit;
        }

        polynomial = new Polynomial(value);
        return true;
    }

    /// <summary>Lower-case hex, no prefix, no leading zeros: the form restic writes to the config.</summary>
    public override string ToString() => Value.ToString("x", System.Globalization.CultureInfo.InvariantCulture);

    public bool Equals(Polynomial other) => Value == other.Value;

    public override bool Equals(object? obj) => obj is Polynomial other && Equals(other);

    public override int GetHashCode() => Value.GetHashCode();

    public static bool operator ==(Polynomial left, Polynomial right) => left.Equals(right);

    public static bool operator !=(Polynomial left, Polynomial right) => !left.Equals(right);

    /// <summary>p mod m over GF(2); m must not be zero.</summary>
    internal static ulong Mod(ulong p, ulong m)
    {
        if (m == 0)
        {
            throw new DivideByZeroException("polynomial division by zero");
        }

        var degreeM = 63 - BitOperations.LeadingZeroCount(m);
        var degreeP = 63 - BitOperations.LeadingZeroCount(p);
        while (degreeP >= degreeM)
        {
            p ^= m << (degreeP - degreeM);
            degreeP = 63 - BitOperations.LeadingZeroCount(p);
        }

        return p;
    }

    /// <summary>(a * b) mod m by shift-and-add, so no intermediate needs more than 64 bits.</summary>
    internal static ulong MulMod(ulong a, ulong b, ulong m)
    {
        var degreeM = 63 - BitOperations.LeadingZeroCount(m);
        a = Mod(a, m);
        b = Mod(b, m);
        ulong result = 0;
        for (var bit = 63 - BitOperations.LeadingZeroCount(a); bit >= 0; bit--)
        {
            // result * x stays below 2^64 because deg(result) < deg(m) <= 63.
            result <<= 1;
            if ((result >> degreeM & 1) != 0)
            {
                result ^= m;
            }

            if ((a >> bit & 1) != 0)
            {
                result ^= b;
            }
        }

        return result;
    }

    internal static ulong Gcd(ulong a, ulong b)
    {
        while (b != 0)
        {
            (a, b) = (b, Mod(a, b));
        }

        return a;
    }

    private static int HexDigit(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' => c - 'a' + 10,
        >= 'A' and <= 'F' => c - 'A' + 10,
        _ => -1,
    };
}
