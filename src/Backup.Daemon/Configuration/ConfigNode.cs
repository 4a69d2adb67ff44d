namespace Backup.Daemon.Configuration;

/// <summary>
/// A node of a configuration file, with the 1-based position where it starts so that every
/// problem can name FILE:LINE:COLUMN. Only what the loader needs of YAML: scalars, lists, mappings.
/// </summary>
internal abstract class ConfigNode(int line, int column)
{
    public int Line { get; } = line;

    public int Column { get; } = column;

    /// <summary>How a message names this kind of node ("a list", "a mapping", …).</summary>
    public abstract string KindName { get; }
}

internal sealed class ConfigScalar(int line, int column, string value, bool isPlain) : ConfigNode(line, column)
{
    /// <summary>The text of the scalar, without quotes.</summary>
    public string Value { get; } = value;

    /// <summary>Written without quotes and without a tag, so YAML gives it a type (null, bool, number).</summary>
    public bool IsPlain { get; } = isPlain;

    /// <summary>YAML 1.2 core schema nulls: an empty value, ~ and null.</summary>
    public bool IsNull => IsPlain && Value is "" or "~" or "null" or "Null" or "NULL";

    public override string KindName => IsNull ? "empty" : "a single value";
}

internal sealed class ConfigSequence(int line, int column, IReadOnlyList<ConfigNode> items) : ConfigNode(line, column)
{
    public IReadOnlyList<ConfigNode> Items { get; } = items;

    public override string KindName => "a list";
}

/// <summary>One "key: value" of a mapping.</summary>
internal sealed record ConfigEntry(ConfigScalar Key, ConfigNode Value)
{
    public string Name => Key.Value;
}

internal sealed class ConfigMapping(int line, int column, IReadOnlyList<ConfigEntry> entries) : ConfigNode(line, column)
{
    /// <summary>In file order; a duplicate key is reported by the parser and only its first value kept.</summary>
    public IReadOnlyList<ConfigEntry> Entries { get; } = entries;

    public override string KindName => "a mapping (key: value lines)";

    public ConfigEntry? Find(string key) => Entries.FirstOrDefault(e => e.Name == key);
}
