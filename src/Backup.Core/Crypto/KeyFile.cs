using Backup.Core.FileSystem;
using Backup.Core.Model;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Backup.Core.Crypto;

/// <summary>
/// A restic key file (keys/&lt;id&gt;): plain JSON holding scrypt parameters, a salt, and the master key sealed
/// under the key derived from a password. The file's name is the SHA-256 of <see cref="ToJson"/>.
/// </summary>
public sealed class KeyFile
{
    public const int SaltSize = 64;
    public const string ScryptKdf = "scrypt";

    // What Go writes for a zero time.Time, so a file without "created" is written back the way restic would.
    private const string GoZeroTime = "0001-01-01T00:00:00Z";

    private KeyFile(string created, string username, string hostname, string kdf, ulong n, uint r, uint p, byte[] salt, byte[] data)
    {
        Created = created;
        Username = username;
        Hostname = hostname;
        Kdf = kdf;
        N = n;
        R = r;
        P = p;
        Salt = salt;
        Data = data;
    }

    /// <summary>The creation time exactly as written in the file (Go RFC 3339 with up to 9 fractional digits).</summary>
    public string Created { get; }

    /// <summary><see cref="Created"/> as a value, truncated to 100 ns; null if it is not a time.</summary>
    public DateTimeOffset? CreatedTime => GoTime.TryParse(Created, out var time) && time.Year is >= 1 and <= 9999 ? time.ToDateTimeOffset() : null;

    public string Username { get; }

    public string Hostname { get; }

    public string Kdf { get; }

    public ulong N { get; }

    public uint R { get; }

    public uint P { get; }

    public byte[] Salt { get; }

    /// <summary>IV ‖ master key JSON encrypted under the password-derived key ‖ MAC.</summary>
    public byte[] Data { get; }

    public ScryptParameters Parameters => new(N, R, P);

    /// <summary>Wraps <paramref name="master"/> under <paramref name="password"/> with a fresh 64-byte random salt.</summary>
    public static KeyFile Create(CryptoKey master, ReadOnlySpan<byte> password, string username, string hostname, DateTimeOffset created, ScryptParameters? parameters = null)
    {
        ArgumentNullException.ThrowIfNull(master);
        ArgumentNullException.ThrowIfNull(username);
        ArgumentNullException.ThrowIfNull(hostname);
        parameters ??= ScryptParameters.Default;
        var salt = RandomNumberGenerator.GetBytes(SaltSize);
        var userKey = DeriveUserKey(password, salt, parameters.N, parameters.R, parameters.P);
        var masterJson = master.ToMasterKeyJson();
        try
        {
            var data = userKey.Seal(masterJson);
            var instant = Timespec.FromDateTimeOffset(created);
            var createdText = new GoTime(instant.Seconds, instant.Nanoseconds, (int)created.Offset.TotalSeconds).ToString();
            return new KeyFile(createdText, username, hostname, ScryptKdf, parameters.N, parameters.R, parameters.P, salt, data);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(masterJson);
        }
    }

    /// <summary>The file's bytes as restic writes them: compact JSON, fields in restic's struct order.</summary>
    public byte[] ToJson()
    {
        var json = new StringBuilder(512);
        json.Append("{\"created\":");
        GoJson.WriteString(json, Created);
        json.Append(",\"username\":");
        GoJson.WriteString(json, Username);
        json.Append(",\"hostname\":");
        GoJson.WriteString(json, Hostname);
        json.Append(",\"kdf\":");
        GoJson.WriteString(json, Kdf);
        json.Append(CultureInfo.InvariantCulture, $",\"N\":{N},\"r\":{R},\"p\":{P}");
        json.Append(",\"salt\":\"").Append(Convert.ToBase64String(Salt));
        json.Append("\",\"data\":\"").Append(Convert.ToBase64String(Data));
        json.Append("\"}");
        return Encoding.UTF8.GetBytes(json.ToString());
    }

    /// <summary>
    /// Reads a key file. Keys match case-insensitively and unknown keys are ignored, as Go's decoder does; the
    /// KDF, scrypt parameters, salt and data are checked the way restic checks them before deriving.
    /// </summary>
    /// <exception cref="FormatException">Names the offending field and what is wrong with it.</exception>
    public static KeyFile Parse(ReadOnlySpan<byte> json)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json.ToArray());
        }
        catch (JsonException e)
        {
            throw new FormatException($"key file is not valid JSON: {e.Message}", e);
        }

        string? created = null, username = null, hostname = null, kdf = null;
        ulong? n = null, r = null, p = null;
        byte[]? salt = null, data = null;
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new FormatException($"key file must be a JSON object, not {root.ValueKind}");
            }

            // Later duplicates overwrite earlier ones, and null leaves a field unset, as with Go's decoder.
            foreach (var property in root.EnumerateObject())
            {
                var value = property.Value;
                var name = property.Name;
                if (GoJson.KeyMatches(name, "created"))
                {
                    created = ReadString(value, "created") ?? created;
                }
                else if (GoJson.KeyMatches(name, "username"))
                {
                    username = ReadString(value, "username") ?? username;
                }
                else if (GoJson.KeyMatches(name, "hostname"))
                {
                    hostname = ReadString(value, "hostname") ?? hostname;
                }
                else if (GoJson.KeyMatches(name, "kdf"))
                {
                    kdf = ReadString(value, "kdf") ?? kdf;
                }
                else if (GoJson.KeyMatches(name, "N"))
                {
                    n = ReadCount(value, "N") ?? n;
                }
                else if (GoJson.KeyMatches(name, "r"))
                {
                    r = ReadCount(value, "r") ?? r;
                }
                else if (GoJson.KeyMatches(name, "p"))
                {
                    p = ReadCount(value, "p") ?? p;
                }
                else if (GoJson.KeyMatches(name, "salt"))
                {
                    salt = ReadBase64(value, "salt") ?? salt;
                }
                else if (GoJson.KeyMatches(name, "data"))
                {
                    data = ReadBase64(value, "data") ?? data;
                }
            }
        }

        if (created is not null && !GoTime.TryParse(created, out _))
        {
            throw Invalid($"\"created\" is not an RFC 3339 time: \"{created}\"");
        }

        if (kdf is null)
        {
            throw Invalid("\"kdf\" is missing");
        }

        if (kdf != ScryptKdf)
        {
            throw Invalid($"\"kdf\" is \"{kdf}\"; only \"{ScryptKdf}\" is supported");
        }

        if (n is null || r is null || p is null)
        {
            throw Invalid($"\"{(n is null ? "N" : r is null ? "r" : "p")}\" is missing");
        }

        if (ScryptParameters.FindProblem(n.Value, r.Value, p.Value) is { } problem)
        {
            throw Invalid(problem.Problem);
        }

        if (salt is null)
        {
            throw Invalid("\"salt\" is missing");
        }

        if (salt.Length != SaltSize)
        {
            throw Invalid($"\"salt\" must decode to {SaltSize} bytes, not {salt.Length}");
        }

        if (data is null)
        {
            throw Invalid("\"data\" is missing");
        }

        if (data.Length < CryptoKey.Overhead)
        {
            throw Invalid($"\"data\" has {data.Length} bytes, fewer than the {CryptoKey.Overhead}-byte IV and MAC");
        }

        return new KeyFile(created ?? GoZeroTime, username ?? "", hostname ?? "", kdf, n.Value, (uint)r.Value, (uint)p.Value, salt, data);
    }

    /// <summary>
    /// Derives the user key from <paramref name="password"/> and unwraps the master key. Returns false when the MAC
    /// does not match, which means a wrong password (or a damaged file).
    /// </summary>
    /// <exception cref="FormatException">The MAC matched but the decrypted master key JSON is unusable.</exception>
    public bool TryOpen(ReadOnlySpan<byte> password, [NotNullWhen(true)] out CryptoKey? master)
    {
        master = null;
        var userKey = DeriveUserKey(password, Salt, N, R, P);
        if (!userKey.Verify(Data))
        {
            return false;
        }

        var masterJson = userKey.Open(Data);
        try
        {
            master = CryptoKey.FromMasterKeyJson(masterJson);
            return true;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(masterJson);
        }
    }

    private static CryptoKey DeriveUserKey(ReadOnlySpan<byte> password, byte[] salt, ulong n, uint r, uint p)
    {
        var derived = Scrypt.DeriveKey(password, salt, n, r, p, CryptoKey.DerivedSize);
        try
        {
            return CryptoKey.FromDerived(derived);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(derived);
        }
    }

    private static string? ReadString(JsonElement value, string field) => value.ValueKind switch
    {
        JsonValueKind.Null => null,
        JsonValueKind.String => value.GetString(),
        _ => throw Invalid($"\"{field}\" must be a string, not {value.ValueKind}"),
    };

    private static ulong? ReadCount(JsonElement value, string field)
    {
        if (value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var number))
        {
            return number >= 0 ? (ulong)number : throw Invalid($"\"{field}\" must be a positive integer, not {number}");
        }

        throw Invalid($"\"{field}\" must be an integer, not {value.GetRawText()}");
    }

    private static byte[]? ReadBase64(JsonElement value, string field)
    {
        if (value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            throw Invalid($"\"{field}\" must be a base64 string, not {value.ValueKind}");
        }

        if (!value.TryGetBytesFromBase64(out var bytes))
        {
            throw Invalid($"\"{field}\" is not valid base64");
        }

        return bytes;
    }

    private static FormatException Invalid(string problem) => new($"invalid key file: {problem}");
}
