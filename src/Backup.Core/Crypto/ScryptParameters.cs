namespace Backup.Core.Crypto;

/// <summary>scrypt cost parameters of a key file; construction enforces the limits restic checks before deriving.</summary>
public sealed record ScryptParameters(ulong N, uint R, uint P)
{
    // simple-scrypt (used by restic) caps N, r, p and their memory products at the 32-bit int maximum.
    private const ulong MaxInt = (1UL << 31) - 1;

    public ulong N { get; } = Validated(N, R, P);

    public uint R { get; } = R;

    public uint P { get; } = P;

    /// <summary>N=32768, r=8, p=1: what restic 0.14 calibrates to for its 60 MiB budget on a fast machine.</summary>
    public static ScryptParameters Default { get; } = new(32768, 8, 1);

    /// <summary>The first rule the values break, as the JSON field to blame and a sentence naming it, or null when restic accepts them.</summary>
    internal static (string Field, string Problem)? FindProblem(ulong n, ulong r, ulong p)
    {
        if (n <= 1 || (n & (n - 1)) != 0)
        {
            return ("N", $"\"N\" must be a power of two greater than 1, not {n}");
        }

        if (n > MaxInt)
        {
            return ("N", $"\"N\" must be at most 2^30, not {n}");
        }

        if (r < 1 || r > MaxInt)
        {
            return ("r", $"\"r\" must be between 1 and {MaxInt}, not {r}");
        }

        if (p < 1 || p > MaxInt)
        {
            return ("p", $"\"p\" must be between 1 and {MaxInt}, not {p}");
        }

        if (r * p >= 1UL << 30 || r > MaxInt / 128 / p || r > MaxInt / 256)
        {
            return ("p", $"\"r\"={r} with \"p\"={p} is beyond scrypt's limits (128·r·p must stay below 2^31)");
        }

        if (n > MaxInt / 128 / r)
        {
            return ("N", $"\"N\"={n} with \"r\"={r} needs 128·r·N bytes, beyond the 2 GiB restic allows");
        }

        return null;
    }

    private static ulong Validated(ulong n, uint r, uint p)
    {
        if (FindProblem(n, r, p) is { } problem)
        {
            throw new ArgumentOutOfRangeException(problem.Field.ToUpperInvariant(), $"scrypt parameters rejected: {problem.Problem}");
        }

        return n;
    }
}
