using System.Text;
using System.Text.Json;
using Backup.Core.Chunking;

namespace Backup.Core.Repository;

/// <summary>The decrypted <c>config</c> file: format version, repository ID and chunker polynomial.</summary>
public sealed record RepositoryConfig(int Version, string Id, Polynomial ChunkerPolynomial)
{
    public const int CurrentVersion = 2;

    public static RepositoryConfig CreateNew()
    {
        var id = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        return new RepositoryConfig(CurrentVersion, id, Polynomial.Random());
    }

    /// <summary>Compact JSON in restic's field order; the config is never compressed.</summary>
    public byte[] ToJson() =>
        Encoding.UTF8.GetBytes($"{{\"version\":{Version},\"id\":\"{Id}\",\"chunker_polynomial\":\"{ChunkerPolynomial}\"}}");

    public static RepositoryConfig Parse(ReadOnlySpan<byte> json, string location)
    {
        int? version = null;
        string? id = null;
        string? polynomial = null;
        try
        {
            var reader = new Utf8JsonReader(json);
            reader.Read();
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.GetString()!;
                reader.Read();
                switch (name.ToLowerInvariant())
                {
                    case "version": version = reader.GetInt32(); break;
                    case "id": id = reader.GetString(); break;
                    case "chunker_polynomial": polynomial = reader.GetString(); break;
                    default: reader.Skip(); break;
                }
            }
        }
        catch (JsonException e)
        {
            throw new RepositoryFormatException($"{location}: the config file is not valid JSON: {e.Message}", e);
        }

        if (version is not (1 or 2))
        {
            throw new RepositoryFormatException($"{location}: repository format version {version?.ToString() ?? "(missing)"} is not supported (only 1 and 2 are)");
        }

        if (string.IsNullOrEmpty(id) || string.IsNullOrEmpty(polynomial))
        {
            throw new RepositoryFormatException($"{location}: the config file lacks {(string.IsNullOrEmpty(id) ? "\"id\"" : "\"chunker_polynomial\"")}");
        }

        var pol = Polynomial.Parse(polynomial);
        if (pol.Degree > 53 || !pol.IsIrreducible())
        {
            throw new RepositoryFormatException($"{location}: invalid chunker polynomial {polynomial} in config (it must be irreducible, degree at most 53)");
        }

        return new RepositoryConfig(version.Value, id, pol);
    }
}
