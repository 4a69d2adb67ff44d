using System.Text;

namespace Backup.Daemon.Configuration;

/// <summary>Finds the known key an unknown one was probably meant to be.</summary>
internal static class KeySuggestion
{
    /// <summary>Typos farther than this from every known key get no suggestion (it would be a guess).</summary>
    public const int MaxDistance = 2;

    /// <summary>The closest known key, or null when none is close enough.</summary>
    public static string? Find(string key, IEnumerable<string> known)
    {
        var candidates = known.ToList();

        // "oneFileSystem" and "one-file-system" are not typos but another spelling convention.
        var snake = ToSnakeCase(key);
        if (candidates.Contains(snake, StringComparer.Ordinal))
        {
            return snake;
        }

        string? best = null;
        var bestDistance = MaxDistance + 1;
        foreach (var candidate in candidates)
        {
            var distance = Distance(snake, candidate);
            if (distance < bestDistance && distance < candidate.Length)
            {
                best = candidate;
                bestDistance = distance;
            }
        }

        return best;
    }

    /// <summary>
    /// Damerau–Levenshtein distance (optimal string alignment): insertions, deletions, substitutions
    /// and swaps of two neighbouring characters each count one, as a swap is the commonest typo.
    /// </summary>
    public static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }

        for (var j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
        }

        return d[a.Length, b.Length];
    }

    private static string ToSnakeCase(string key)
    {
        var result = new StringBuilder(key.Length + 4);
        for (var i = 0; i < key.Length; i++)
        {
            var c = key[i];
            if (char.IsUpper(c))
            {
                if (i > 0 && key[i - 1] is not ('_' or '-') && !char.IsUpper(key[i - 1]))
                {
                    result.Append('_');
                }

                result.Append(char.ToLowerInvariant(c));
            }
            else
            {
                result.Append(c is '-' or ' ' ? '_' : c);
            }
        }

        return result.ToString();
    }
}
