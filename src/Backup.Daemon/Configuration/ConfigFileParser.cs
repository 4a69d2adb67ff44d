using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Backup.Daemon.Configuration;

/// <summary>
/// Turns the text of a configuration file into <see cref="ConfigNode"/>s. It reads YamlDotNet's parser
/// events instead of its representation model because the model stops at the first duplicate key,
/// and every problem of a file should be reported in one go.
/// </summary>
internal static class ConfigFileParser
{
    // Far deeper than any configuration; the limit keeps a hostile file from overflowing the stack.
    private const int MaxDepth = 32;

    /// <summary>
    /// False when the file is not valid YAML (the problem is added). True otherwise; <paramref name="root"/>
    /// is then null for a file without content (empty, or only comments).
    /// </summary>
    public static bool TryParse(string text, ProblemList problems, out ConfigNode? root)
    {
        root = null;
        var scanner = new Scanner(new StringReader(text), skipComments: true);
        var parser = new Parser(scanner);
        try
        {
            parser.Consume<StreamStart>();
            if (parser.Accept<StreamEnd>(out _))
            {
                return true;
            }

            parser.Consume<DocumentStart>();
            var builder = new TreeBuilder(parser, problems);
            root = builder.ReadNode(depth: 0);
            parser.Consume<DocumentEnd>();
            if (parser.Accept<DocumentStart>(out var second))
            {
                problems.Add((int)second.Start.Line, (int)second.Start.Column,
                    "a second YAML document ('---') in the same file: a file holds one document; move it to a file of its own or remove it");
            }

            if (root is ConfigScalar { IsNull: true })
            {
                root = null;
            }

            return true;
        }
        catch (NestingTooDeepException deep)
        {
            problems.Add(deep.Line, deep.Column, $"lists and mappings are nested more than {MaxDepth} levels deep here; a configuration never needs that");
        }
        catch (YamlException error)
        {
            if (!error.Message.Contains("tab", StringComparison.Ordinal) || !ReportTabIndentation(text, (int)error.Start.Line, problems))
            {
                problems.Add((int)error.Start.Line, (int)error.Start.Column, $"invalid YAML: {error.Message}");
            }
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet 16.3 fails this way (not with a YamlException) on some unclosed flow lists;
            // the scanner still knows where it stopped.
            var at = scanner.CurrentPosition;
            problems.Add((int)at.Line, (int)at.Column, "invalid YAML: the parser could not go on here; look for an unclosed '[', '{' or quote above");
        }

        root = null;
        return false;
    }

    /// <summary>
    /// YamlDotNet's messages about tabs point at the enclosing mapping or at the line before, and talk of
    /// "plain scalars"; the administrator needs to know that a tab was used to indent, and where. The tab
    /// is at or after the reported line, so the search starts there.
    /// </summary>
    private static bool ReportTabIndentation(string text, int errorLine, ProblemList problems)
    {
        var lines = text.Split('\n');
        var from = Math.Clamp(errorLine - 1, 0, lines.Length);
        foreach (var i in Enumerable.Range(from, lines.Length - from).Concat(Enumerable.Range(0, from)))
        {
            var line = lines[i].TrimEnd('\r');
            var indent = line.Length - line.TrimStart(' ', '\t').Length;
            var tab = line.IndexOf('\t', 0, indent);
            var rest = line[indent..];

            // Tabs before a comment are harmless; on an otherwise blank line YamlDotNet refuses them too.
            if (tab >= 0 && (rest.Length == 0 || rest[0] != '#'))
            {
                problems.Add(i + 1, tab + 1, "a tab is used for indentation: YAML indents with spaces only; replace the tab with spaces");
                return true;
            }
        }

        return false;
    }

    private sealed class NestingTooDeepException(int line, int column) : Exception
    {
        public int Line { get; } = line;

        public int Column { get; } = column;
    }

    private sealed class TreeBuilder(IParser parser, ProblemList problems)
    {
        private readonly Dictionary<string, ConfigNode> anchors = new(StringComparer.Ordinal);

        public ConfigNode ReadNode(int depth)
        {
            var start = parser.Current!.Start;
            var line = (int)start.Line;
            var column = (int)start.Column;
            if (depth > MaxDepth)
            {
                throw new NestingTooDeepException(line, column);
            }

            ConfigNode node;
            string anchor;
            switch (parser.Current)
            {
                case AnchorAlias alias:
                    parser.MoveNext();
                    if (anchors.TryGetValue(alias.Value.Value, out var target))
                    {
                        return target;
                    }

                    problems.Add(line, column, $"the alias '*{alias.Value.Value}' names no anchor ('&{alias.Value.Value}') defined before it");
                    return new ConfigScalar(line, column, "", isPlain: true);
                case Scalar scalar:
                    parser.MoveNext();
                    node = new ConfigScalar(line, column, scalar.Value, scalar.IsPlainImplicit);
                    anchor = scalar.Anchor.IsEmpty ? "" : scalar.Anchor.Value;
                    break;
                case SequenceStart sequence:
                    parser.MoveNext();
                    var items = new List<ConfigNode>();
                    while (!parser.Accept<SequenceEnd>(out _))
                    {
                        items.Add(ReadNode(depth + 1));
                    }

                    parser.MoveNext();
                    node = new ConfigSequence(line, column, items);
                    anchor = sequence.Anchor.IsEmpty ? "" : sequence.Anchor.Value;
                    break;
                case MappingStart mapping:
                    parser.MoveNext();
                    node = ReadMappingEntries(line, column, depth);
                    anchor = mapping.Anchor.IsEmpty ? "" : mapping.Anchor.Value;
                    break;
                default:
                    throw new YamlException(start, parser.Current!.End, $"unexpected {parser.Current.GetType().Name}");
            }

            // Registered only once complete, so an alias inside its own anchor's node is reported, not followed forever.
            if (anchor.Length > 0)
            {
                anchors[anchor] = node;
            }

            return node;
        }

        private ConfigMapping ReadMappingEntries(int line, int column, int depth)
        {
            var entries = new List<ConfigEntry>();
            var firstSeen = new Dictionary<string, ConfigScalar>(StringComparer.Ordinal);
            while (!parser.Accept<MappingEnd>(out _))
            {
                var key = ReadNode(depth + 1);
                var value = ReadNode(depth + 1);
                if (key is not ConfigScalar scalarKey || scalarKey.IsNull)
                {
                    problems.Add(key, $"a key must be a name, not {key.KindName}");
                    continue;
                }

                if (firstSeen.TryGetValue(scalarKey.Value, out var first))
                {
                    problems.Add(scalarKey,
                        $"duplicate key '{scalarKey.Value}' (first on line {first.Line}): a key may appear only once in a mapping; remove one of them");
                    continue;
                }

                firstSeen.Add(scalarKey.Value, scalarKey);
                entries.Add(new ConfigEntry(scalarKey, value));
            }

            parser.MoveNext();
            return new ConfigMapping(line, column, entries);
        }
    }
}
