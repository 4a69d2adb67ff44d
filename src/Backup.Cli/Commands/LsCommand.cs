using System.CommandLine;
using System.Text.Json;
using Backup.Core.Model;
using Backup.Core.Repository;

namespace Backup.Cli.Commands;

public static class LsCommand
{
    public static Command Create()
    {
        var snapshot = new Argument<string>("SNAPSHOT") { Description = "Snapshot ID, unique prefix, or \"latest\"" };
        var dir = new Argument<string?>("DIR") { Arity = ArgumentArity.ZeroOrOne, Description = "List only below this path of the snapshot" };
        var longFormat = new Option<bool>("--long", "-l") { Description = "Show mode, owner, size and modification time" };
        var recursive = new Option<bool>("--recursive") { Description = "With DIR, also list everything below it (default without DIR: the whole snapshot)" };
        var command = new Command("ls", "List the files in a snapshot. With --json each line is one JSON object: the snapshot first, then one node per line.") { snapshot, dir, longFormat, recursive };
        command.SetAction(async (parse, ct) =>
        {
            var repository = await RepositoryAccess.OpenAsync(parse, ct).ConfigureAwait(false);
            await repository.LoadIndexAsync(ct).ConfigureAwait(false);
            var (id, sn) = await SnapshotStore.FindAsync(repository, parse.GetValue(snapshot)!, null, null, ct).ConfigureAwait(false);
            var json = parse.GetValue(GlobalOptions.Json);
            var prefix = (parse.GetValue(dir) ?? "/").TrimEnd('/');
            var recurse = parse.GetValue(dir) is null || parse.GetValue(recursive);
            var stdout = Console.OpenStandardOutput();
            using var writer = new StreamWriter(stdout, new System.Text.UTF8Encoding(false), 1 << 16);
            if (json)
            {
                var obj = System.Text.Json.Nodes.JsonNode.Parse(sn.ToJson())!.AsObject();
                obj["id"] = id.ToString();
                obj["short_id"] = id.ToShortString();
                obj["struct_type"] = "snapshot";
                writer.WriteLine(obj.ToJsonString());
            }
            else
            {
                writer.WriteLine($"snapshot {id.ToShortString()} of [{string.Join(' ', sn.Paths ?? [])}] at {sn.Time}:");
            }

            await WalkAsync(repository, sn.Tree, "", prefix, recurse, (path, node) =>
            {
                if (json)
                {
                    writer.WriteLine(NodeJson(path, node));
                }
                else if (parse.GetValue(longFormat))
                {
                    writer.WriteLine($"{ModeString(node)} {node.Uid,5} {node.Gid,5} {node.Size,12} {node.ModTime.ToDateTimeOffset().ToLocalTime():yyyy-MM-dd HH:mm:ss} {Printable(path)}{(node.Type == NodeType.Symlink ? " -> " + Printable(node.LinkTarget ?? "") : "")}");
                }
                else
                {
                    writer.WriteLine(Printable(path));
                }
            }, ct).ConfigureAwait(false);
            return ExitCodes.Success;
        });
        return command;
    }

    private static async Task WalkAsync(Backup.Core.Repository.Repository repository, Id treeId, string path, string prefix, bool recurse, Action<string, Node> visit, CancellationToken ct)
    {
        var tree = await repository.LoadTreeAsync(treeId, ct).ConfigureAwait(false);
        foreach (var node in tree.Nodes)
        {
            var nodePath = path + "/" + node.Name;
            var inside = nodePath.StartsWith(prefix + "/", StringComparison.Ordinal) || prefix.Length == 0;
            var onTheWay = (prefix + "/").StartsWith(nodePath + "/", StringComparison.Ordinal);
            if (inside)
            {
                var depthBelowPrefix = nodePath[prefix.Length..].Count(c => c == '/');
                if (recurse || depthBelowPrefix <= 1)
                {
                    visit(nodePath, node);
                }
            }

            if (node.Type == NodeType.Dir && node.Subtree is { } subtree && (onTheWay || (inside && recurse)))
            {
                await WalkAsync(repository, subtree, nodePath, prefix, recurse, visit, ct).ConfigureAwait(false);
            }
        }
    }

    private static string NodeJson(string path, Node node)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream))
        {
            w.WriteStartObject();
            w.WriteString("name", node.Name);
            w.WriteString("type", node.Type.ToString().ToLowerInvariant());
            w.WriteString("path", path);
            w.WriteNumber("uid", node.Uid);
            w.WriteNumber("gid", node.Gid);
            if (node.Type == NodeType.File)
            {
                w.WriteNumber("size", node.Size);
            }

            w.WriteNumber("mode", node.Mode);
            w.WriteNumber("permissions", GoFileMode.ToUnixPermissions(node.Mode));
            w.WriteString("mtime", node.ModTime.ToString());
            w.WriteString("atime", node.AccessTime.ToString());
            w.WriteString("ctime", node.ChangeTime.ToString());
            if (node.LinkTarget is { } target)
            {
                w.WriteString("linktarget", target);
            }

            w.WriteString("struct_type", "node");
            w.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>Shows control characters and undecodable bytes escaped, so a name cannot forge terminal output.</summary>
    private static string Printable(string path)
    {
        foreach (var c in path)
        {
            if (char.IsControl(c) || char.IsSurrogate(c))
            {
                return GoQuote.QuoteName(Backup.Core.FileSystem.PathEncoding.Encode(path));
            }
        }

        return path;
    }

    private static string ModeString(Node node)
    {
        var type = node.Type switch
        {
            NodeType.Dir => 'd',
            NodeType.Symlink => 'l',
            NodeType.Dev => 'b',
            NodeType.Chardev => 'c',
            NodeType.Fifo => 'p',
            NodeType.Socket => 's',
            _ => '-',
        };
        var perm = GoFileMode.ToUnixPermissions(node.Mode);
        var chars = new char[10];
        chars[0] = type;
        const string rwx = "rwxrwxrwx";
        for (var i = 0; i < 9; i++)
        {
            chars[i + 1] = (perm & (1u << (8 - i))) != 0 ? rwx[i] : '-';
        }

        if ((perm & 0x800) != 0) chars[3] = (perm & 0x40) != 0 ? 's' : 'S';
        if ((perm & 0x400) != 0) chars[6] = (perm & 0x8) != 0 ? 's' : 'S';
        if ((perm & 0x200) != 0) chars[9] = (perm & 0x1) != 0 ? 't' : 'T';
        return new string(chars);
    }
}
