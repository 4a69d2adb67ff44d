using System.Globalization;
using Backup.Daemon.Scheduling;

namespace Backup.Daemon.Configuration;

/// <summary>
/// Reads typed values out of one mapping of a configuration file. A value of the wrong type is
/// reported at its own position and read as "not set", so that reading goes on and every problem is found.
/// </summary>
internal sealed class MappingReader(ConfigMapping mapping, string section, ProblemList problems)
{
    public ConfigMapping Mapping { get; } = mapping;

    public ProblemList Problems { get; } = problems;

    public ConfigEntry? Find(string key) => Mapping.Find(key);

    /// <summary>The key as messages name it: "schedule", or "notify.email" inside a section.</summary>
    public string Name(string key) => section.Length == 0 ? key : $"{section}.{key}";

    /// <summary>The key is there with an explicitly empty value (key:, key: ~ or key: null).</summary>
    public bool IsEmpty(string key) => Find(key)?.Value is ConfigScalar { IsNull: true };

    /// <summary>
    /// Reports every key that is not in <paramref name="known"/>. <paramref name="elsewhere"/> says where a
    /// key belongs when it is valid in another file, because that mistake needs no guessing.
    /// </summary>
    public void ReportUnknownKeys(IReadOnlyList<string> known, string where, Func<string, string?> elsewhere)
    {
        foreach (var entry in Mapping.Entries)
        {
            var key = entry.Name;
            if (known.Contains(key, StringComparer.Ordinal))
            {
                continue;
            }

            if (elsewhere(key) is { } place)
            {
                Problems.Add(entry.Key, $"'{Name(key)}' does not belong in {where}: it goes in {place}");
            }
            else if (KeySuggestion.Find(key, known) is { } suggestion)
            {
                Problems.Add(entry.Key, $"unknown key '{Name(key)}': did you mean '{Name(suggestion)}'?");
            }
            else if (LooksLikeSecret(key))
            {
                // The value is never repeated: it may well be the password itself, and messages go to the journal.
                Problems.Add(entry.Key,
                    $"'{Name(key)}': a configuration file must never hold the repository password; put the password in a file " +
                    "only root can read (chmod 600) and name it with password_file, or pass it as a systemd credential " +
                    "(LoadCredential=) and name it with password_credential");
            }
            else
            {
                Problems.Add(entry.Key, $"unknown key '{Name(key)}': {where} knows only {string.Join(", ", known)}");
            }
        }
    }

    /// <summary>A single value; null when absent or empty.</summary>
    public ConfigScalar? Scalar(string key, string expected)
    {
        if (Find(key) is not { } entry || entry.Value is ConfigScalar { IsNull: true })
        {
            return null;
        }

        if (entry.Value is ConfigScalar scalar)
        {
            return scalar;
        }

        Problems.Add(entry.Value, $"'{Name(key)}' must be {expected}, not {entry.Value.KindName}");
        return null;
    }

    /// <summary>A YAML 1.2 boolean: true or false, unquoted.</summary>
    public bool? Boolean(string key)
    {
        if (Scalar(key, "true or false") is not { } scalar)
        {
            return null;
        }

        if (scalar.IsPlain)
        {
            switch (scalar.Value)
            {
                case "true" or "True" or "TRUE":
                    return true;
                case "false" or "False" or "FALSE":
                    return false;
            }

            if (scalar.Value.ToLowerInvariant() is "yes" or "no" or "on" or "off" or "y" or "n")
            {
                Problems.Add(scalar, $"'{Name(key)}' must be true or false: '{scalar.Value}' is not a boolean in YAML 1.2");
                return null;
            }
        }
        else if (scalar.Value is "true" or "false")
        {
            Problems.Add(scalar, $"'{Name(key)}' must be true or false without quotes: quoted, it is text");
            return null;
        }

        Problems.Add(scalar, $"'{Name(key)}' must be true or false");
        return null;
    }

    /// <summary>A whole number from <paramref name="min"/> to <paramref name="max"/>, unquoted.</summary>
    public int? Integer(string key, int min, int max)
    {
        if (Scalar(key, $"a whole number from {min} to {max}") is not { } scalar)
        {
            return null;
        }

        if (scalar.IsPlain
            && int.TryParse(scalar.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
            && value >= min && value <= max)
        {
            return value;
        }

        Problems.Add(scalar, $"'{Name(key)}' must be a whole number from {min} to {max}{(scalar.IsPlain ? "" : ", without quotes")}");
        return null;
    }

    /// <summary>A duration such as 6h or 1h30m, parsed by <see cref="Scheduling.Duration.TryParse"/>.</summary>
    public TimeSpan? Duration(string key)
    {
        if (Scalar(key, "a duration such as 6h or 3d") is not { } scalar)
        {
            return null;
        }

        if (Scheduling.Duration.TryParse(scalar.Value, out var value, out var error))
        {
            return value;
        }

        Problems.Add(scalar, $"'{Name(key)}': {error}");
        return null;
    }

    /// <summary>
    /// A list of single values; one value without brackets is accepted as a list of one, since
    /// "sources: /home" can only mean that. Null when absent or empty.
    /// </summary>
    public IReadOnlyList<ConfigScalar>? List(string key, string expected)
    {
        if (Find(key) is not { } entry || entry.Value is ConfigScalar { IsNull: true })
        {
            return null;
        }

        switch (entry.Value)
        {
            case ConfigScalar scalar:
                return [scalar];
            case ConfigSequence sequence:
                var items = new List<ConfigScalar>();
                foreach (var item in sequence.Items)
                {
                    if (item is ConfigScalar { IsNull: false } scalarItem)
                    {
                        items.Add(scalarItem);
                    }
                    else
                    {
                        Problems.Add(item, $"each item of '{Name(key)}' must be a single value, not {item.KindName}");
                    }
                }

                return items;
            default:
                Problems.Add(entry.Value, $"'{Name(key)}' must be {expected}, not {entry.Value.KindName}");
                return null;
        }
    }

    /// <summary>A nested mapping such as notify:; null when absent or empty.</summary>
    public MappingReader? Section(string key, string expected)
    {
        if (Find(key) is not { } entry || entry.Value is ConfigScalar { IsNull: true })
        {
            return null;
        }

        if (entry.Value is ConfigMapping nested)
        {
            return new MappingReader(nested, Name(key), Problems);
        }

        Problems.Add(entry.Value, $"'{Name(key)}' must be {expected}, not {entry.Value.KindName}");
        return null;
    }

    private static bool LooksLikeSecret(string key)
    {
        var lower = key.ToLowerInvariant();
        return lower.Contains("password", StringComparison.Ordinal)
            || lower.Contains("passwd", StringComparison.Ordinal)
            || lower.Contains("passphrase", StringComparison.Ordinal)
            || lower.Contains("secret", StringComparison.Ordinal)
            || lower is "pass" or "pw" or "pwd";
    }
}
