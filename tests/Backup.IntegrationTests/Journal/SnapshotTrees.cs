using System.Text.Json;
using Backup.IntegrationTests.Infrastructure;

namespace Backup.IntegrationTests.Journal;

/// <summary>
/// Reads snapshot trees with the real restic (from either tool's repository) and explains how two
/// trees differ: which paths, and which node fields, so that a mismatch of root tree IDs is actionable.
/// </summary>
public static class SnapshotTrees
{
    /// <summary>The root tree of every snapshot in the repository, by full and by short (8 digit) snapshot ID.</summary>
    public static Dictionary<string, string> RootTrees(Restic reader)
    {
        var trees = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var snapshot in JsonDocument.Parse(reader.Ok("snapshots", "--json")).RootElement.EnumerateArray())
        {
            var tree = snapshot.GetProperty("tree").GetString()!;
            trees[snapshot.GetProperty("id").GetString()!] = tree;
            trees[snapshot.GetProperty("short_id").GetString()!] = tree;
        }

        return trees;
    }

    /// <summary>The summary line of "backup --json" (restic or backupctl; restic 0.14 gives the short snapshot ID in it).</summary>
    public static JsonElement Summary(string backupJsonOutput)
    {
        foreach (var line in backupJsonOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Reverse())
        {
            var element = JsonDocument.Parse(line).RootElement;
            if (element.TryGetProperty("message_type", out var type) && type.GetString() == "summary")
            {
                return element;
            }
        }

        throw new InvalidOperationException("no summary line in the backup output:\n" + backupJsonOutput);
    }

    /// <summary>Lists the differing nodes of two trees, recursing into subtrees whose IDs differ (at most <paramref name="limit"/> lines).</summary>
    public static string Describe(Restic expectedReader, string expectedTree, Restic actualReader, string actualTree, int limit = 30)
    {
        var lines = new List<string>();
        Compare(expectedReader, expectedTree, actualReader, actualTree, "", lines, limit);
        return lines.Count == 0 ? "(the trees' nodes are equal: the difference is in the tree encoding itself)" : string.Join('\n', lines);
    }

    private static void Compare(Restic expectedReader, string expectedTree, Restic actualReader, string actualTree, string path, List<string> lines, int limit)
    {
        var expected = Nodes(expectedReader, expectedTree);
        var actual = Nodes(actualReader, actualTree);
        foreach (var name in expected.Keys.Union(actual.Keys).Order(StringComparer.Ordinal))
        {
            if (lines.Count >= limit)
            {
                return;
            }

            var child = path + "/" + name;
            if (!actual.TryGetValue(name, out var a))
            {
                lines.Add($"{child}: missing in the second tree");
                continue;
            }

            if (!expected.TryGetValue(name, out var e))
            {
                lines.Add($"{child}: only in the second tree");
                continue;
            }

            var (expectedFields, actualFields) = (Fields(e), Fields(a));
            var differing = expectedFields.Keys.Union(actualFields.Keys)
                .Where(f => f != "subtree" && expectedFields.GetValueOrDefault(f) != actualFields.GetValueOrDefault(f))
                .Order(StringComparer.Ordinal)
                .ToList();
            if (differing.Count > 0)
            {
                lines.Add($"{child}: " + string.Join(", ", differing.Select(f => $"{f} {expectedFields.GetValueOrDefault(f) ?? "(absent)"} vs {actualFields.GetValueOrDefault(f) ?? "(absent)"}")));
            }

            var expectedSubtree = expectedFields.GetValueOrDefault("subtree");
            var actualSubtree = actualFields.GetValueOrDefault("subtree");
            if (expectedSubtree is not null && actualSubtree is not null && expectedSubtree != actualSubtree)
            {
                Compare(expectedReader, Unquote(expectedSubtree), actualReader, Unquote(actualSubtree), child, lines, limit);
            }
        }
    }

    private static Dictionary<string, JsonElement> Nodes(Restic reader, string tree)
    {
        var json = reader.OkBytes("cat", "blob", tree);
        var nodes = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var node in JsonDocument.Parse(json).RootElement.GetProperty("nodes").EnumerateArray())
        {
            nodes[node.GetProperty("name").GetString()!] = node.Clone();
        }

        return nodes;
    }

    private static Dictionary<string, string> Fields(JsonElement node) =>
        node.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetRawText(), StringComparer.Ordinal);

    private static string Unquote(string json) => JsonSerializer.Deserialize<string>(json)!;
}
