using System.Text.Json;
using Backup.Core.FileSystem;

namespace Backup.Core.Model;

/// <summary>
/// The contents of one directory: a tree blob, <c>{"nodes":[…]}</c> and a newline (format 9.1). Its ID is
/// the SHA-256 of exactly these bytes, so writing restic's bytes lets trees deduplicate with restic's.
/// </summary>
public sealed class Tree
{
    public Tree()
    {
        Nodes = [];
    }

    public Tree(IEnumerable<Node> nodes)
    {
        Nodes = [.. nodes];
    }

    public List<Node> Nodes { get; }

    /// <summary>
    /// Sorts <see cref="Nodes"/> by raw name bytes, as restic requires for its binary search, and returns the
    /// blob bytes restic 0.14 writes for them, trailing newline included.
    /// </summary>
    /// <exception cref="InvalidOperationException">Two nodes have the same name, or a name is empty.</exception>
    public byte[] Serialize()
    {
        var entries = new (byte[] Raw, Node Node)[Nodes.Count];
        for (var i = 0; i < entries.Length; i++)
        {
            entries[i] = (PathEncoding.Encode(Nodes[i].Name), Nodes[i]);
            if (entries[i].Raw.Length == 0)
            {
                throw new InvalidOperationException($"tree node {i} has an empty name");
            }
        }

        Array.Sort(entries, static (a, b) => a.Raw.AsSpan().SequenceCompareTo(b.Raw));
        for (var i = 1; i < entries.Length; i++)
        {
            if (entries[i].Raw.AsSpan().SequenceEqual(entries[i - 1].Raw))
            {
                throw new InvalidOperationException($"tree has two nodes named \"{entries[i].Node.Name}\"");
            }
        }

        Nodes.Clear();
        var writer = new GoJsonWriter(64 + (entries.Length * 400));
        writer.Raw("{\"nodes\":["u8);
        for (var i = 0; i < entries.Length; i++)
        {
            if (i > 0)
            {
                writer.Raw(","u8);
            }

            Nodes.Add(entries[i].Node);
            entries[i].Node.Write(writer);
        }

        writer.Raw("]}\n"u8);
        return writer.ToArray();
    }

    /// <summary>
    /// Reads a tree blob as restic does: keys match case-insensitively, unknown keys are ignored, names are
    /// Go-unquoted. Node order is kept as stored.
    /// </summary>
    /// <exception cref="FormatException">The JSON is malformed or a node is invalid; the message names it.</exception>
    public static Tree Parse(ReadOnlySpan<byte> json)
    {
        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
            reader.Read();
            GoJsonFields.ExpectStartObject(ref reader, "tree");
            var tree = new Tree();
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (GoJsonFields.Key(ref reader) != "nodes")
                {
                    GoJsonFields.Skip(ref reader);
                    continue;
                }

                tree.Nodes.Clear();
                reader.Read();
                if (reader.TokenType == JsonTokenType.Null)
                {
                    continue;
                }

                if (reader.TokenType != JsonTokenType.StartArray)
                {
                    throw GoJsonFields.WrongType(ref reader, "nodes", "a list");
                }

                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    var where = $"tree node {tree.Nodes.Count}";
                    if (reader.TokenType == JsonTokenType.Null)
                    {
                        throw new FormatException($"{where} is null");
                    }

                    tree.Nodes.Add(Node.Read(ref reader, where));
                }
            }

            if (reader.Read())
            {
                throw new FormatException("tree JSON has data after the object");
            }

            return tree;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            throw new FormatException($"tree JSON is malformed: {e.Message}", e);
        }
    }

    /// <summary>Finds a node by name with a binary search over raw name bytes; the tree must be sorted.</summary>
    public Node? Find(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        byte[]? raw = null;
        var ascii = System.Text.Ascii.IsValid(name);
        int lo = 0, hi = Nodes.Count - 1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            var other = Nodes[mid].Name;

            // Names are ordered by their bytes; between two ASCII names that is the order of their characters.
            var c = ascii && System.Text.Ascii.IsValid(other)
                ? string.CompareOrdinal(other, name)
                : PathEncoding.Encode(other).AsSpan().SequenceCompareTo(raw ??= PathEncoding.Encode(name));
            if (c == 0)
            {
                return Nodes[mid];
            }

            if (c < 0)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }

        return null;
    }
}
