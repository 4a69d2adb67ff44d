using System.Text.RegularExpressions;

namespace Backup.Core.Archiving;

/// <summary>
/// Exclude patterns with restic's meaning: a pattern starting with "/" is matched against the whole
/// absolute path; any other pattern matches the end of the path at any depth. "*" and "?" stay
/// within one path component, "**" spans any number of components, "[...]" is a character class.
/// A pattern that matches a directory excludes everything below it.
/// </summary>
public sealed class ExcludeFilter
{
    private readonly List<(string Pattern, Regex Regex)> _patterns = new();

    public IReadOnlyList<string> Patterns => _patterns.Select(p => p.Pattern).ToList();

    public bool IsEmpty => _patterns.Count == 0;

    public void Add(string pattern, string source)
    {
        var trimmed = pattern.Trim();
        if (trimmed.Length == 0)
        {
            return;
        }

        if (trimmed.StartsWith('!'))
        {
            throw new ArgumentException($"{source}: negated pattern \"{trimmed}\" is not supported; list only what to exclude");
        }

        _patterns.Add((trimmed, Compile(trimmed, source)));
    }

    /// <summary>Reads patterns from a file: one per line, blank lines and lines starting with # ignored.</summary>
    public void AddFile(string path)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ArgumentException($"--exclude-file {path}: cannot read it: {e.Message}", e);
        }

        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            Add(line, $"{path}:{i + 1}");
        }
    }

    public bool IsExcluded(string absolutePath)
    {
        foreach (var (_, regex) in _patterns)
        {
            if (regex.IsMatch(absolutePath))
            {
                return true;
            }
        }

        return false;
    }

    private static Regex Compile(string pattern, string source)
    {
        var anchored = pattern.StartsWith('/');
        var body = pattern.TrimEnd('/');
        if (anchored)
        {
            body = body.TrimStart('/');
        }

        var regex = new System.Text.StringBuilder(anchored ? "^/" : "(^|/)");
        var components = body.Split('/');
        for (var c = 0; c < components.Length; c++)
        {
            var component = components[c];
            if (component == "**")
            {
                // Any number of whole components, including none.
                regex.Append(c == components.Length - 1 ? ".*" : "(.*/)?");
                continue;
            }

            AppendComponent(regex, component, pattern, source);
            if (c < components.Length - 1)
            {
                regex.Append('/');
            }
        }

        regex.Append("(/|$)");
        return new Regex(regex.ToString(), RegexOptions.CultureInvariant | RegexOptions.Singleline);
    }

    private static void AppendComponent(System.Text.StringBuilder regex, string component, string pattern, string source)
    {
        for (var i = 0; i < component.Length; i++)
        {
            var ch = component[i];
            switch (ch)
            {
                case '*':
                    regex.Append("[^/]*");
                    break;
                case '?':
                    regex.Append("[^/]");
                    break;
                case '[':
                    var end = component.IndexOf(']', i + 1);
                    if (end < 0)
                    {
                        throw new ArgumentException($"{source}: pattern \"{pattern}\" has an unclosed '['");
                    }

                    var set = component[(i + 1)..end];
                    var negate = set.StartsWith('^') || set.StartsWith('!');
                    if (negate)
                    {
                        set = set[1..];
                    }

                    regex.Append('[').Append(negate ? "^/" : "").Append(set.Replace("\\", "\\\\")).Append(']');
                    i = end;
                    break;
                case '\\' when i + 1 < component.Length:
                    regex.Append(Regex.Escape(component[++i].ToString()));
                    break;
                default:
                    regex.Append(Regex.Escape(ch.ToString()));
                    break;
            }
        }
    }
}
