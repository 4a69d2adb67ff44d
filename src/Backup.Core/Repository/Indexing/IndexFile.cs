using System.Text;
using System.Text.Json;
using Backup.Core.Model;
using Backup.Core.Repository.Packs;

namespace Backup.Core.Repository.Indexing;

/// <summary>One index file: which blobs each listed pack holds, and which index files it replaces.</summary>
public sealed class IndexFile
{
    public List<Id> Supersedes { get; } = new();

    public List<IndexedPack> Packs { get; } = new();

    public int BlobCount => Packs.Sum(p => p.Blobs.Count);

    public byte[] ToJson()
    {
        var sb = new StringBuilder(Packs.Count * 256 + 64);
        sb.Append('{');
        if (Supersedes.Count > 0)
        {
            sb.Append("\"supersedes\":[");
            sb.AppendJoin(',', Supersedes.Select(s => $"\"{s}\""));
            sb.Append("],");
        }

        sb.Append("\"packs\":[");
        for (var p = 0; p < Packs.Count; p++)
        {
            if (p > 0) sb.Append(',');
            sb.Append("{\"id\":\"").Append(Packs[p].Id.ToString()).Append("\",\"blobs\":[");
            var blobs = Packs[p].Blobs;
            for (var b = 0; b < blobs.Count; b++)
            {
                var blob = blobs[b];
                if (b > 0) sb.Append(',');
                sb.Append("{\"id\":\"").Append(blob.Id.ToString())
                  .Append("\",\"type\":\"").Append(blob.Type == BlobType.Tree ? "tree" : "data")
                  .Append("\",\"offset\":").Append(blob.Offset)
                  .Append(",\"length\":").Append(blob.Length);
                if (blob.IsCompressed)
                {
                    sb.Append(",\"uncompressed_length\":").Append(blob.UncompressedLength);
                }

                sb.Append('}');
            }

            sb.Append("]}");
        }

        sb.Append("]}\n");
        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    /// <summary>Parses the current format and the old one (a bare array of packs).</summary>
    public static IndexFile Parse(ReadOnlySpan<byte> json, string name)
    {
        var index = new IndexFile();
        try
        {
            using var doc = JsonDocument.Parse(json.ToArray());
            var root = doc.RootElement;
            JsonElement packs;
            if (root.ValueKind == JsonValueKind.Array)
            {
                packs = root;
            }
            else
            {
                foreach (var prop in root.EnumerateObject())
                {
                    if (prop.NameEquals("supersedes") && prop.Value.ValueKind == JsonValueKind.Array)
                    {
                        foreach (var s in prop.Value.EnumerateArray())
                        {
                            index.Supersedes.Add(Id.Parse(s.GetString()!));
                        }
                    }
                }

                packs = Property(root, "packs");
            }

            if (packs.ValueKind != JsonValueKind.Array)
            {
                return index;
            }

            foreach (var pack in packs.EnumerateArray())
            {
                var packId = Id.Parse(Property(pack, "id").GetString()!);
                var blobs = new List<PackedBlob>();
                var blobArray = Property(pack, "blobs");
                if (blobArray.ValueKind == JsonValueKind.Array)
                {
                    foreach (var blob in blobArray.EnumerateArray())
                    {
                        var typeText = Property(blob, "type").GetString();
                        var type = typeText switch
                        {
                            "data" => BlobType.Data,
                            "tree" => BlobType.Tree,
                            _ => throw new RepositoryFormatException($"index {name}: pack {packId.ToShortString()} lists a blob of unknown type \"{typeText}\""),
                        };
                        var uncompressed = Property(blob, "uncompressed_length");
                        blobs.Add(new PackedBlob(
                            type,
                            Id.Parse(Property(blob, "id").GetString()!),
                            Property(blob, "offset").GetUInt32(),
                            Property(blob, "length").GetUInt32(),
                            uncompressed.ValueKind == JsonValueKind.Number ? uncompressed.GetUInt32() : 0));
                    }
                }

                index.Packs.Add(new IndexedPack(packId, blobs));
            }
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException or KeyNotFoundException)
        {
            throw new RepositoryFormatException($"index {name}: cannot be parsed: {e.Message}", e);
        }

        return index;
    }

    private static JsonElement Property(JsonElement element, string name)
    {
        foreach (var prop in element.EnumerateObject())
        {
            if (string.Equals(prop.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return prop.Value;
            }
        }

        return default;
    }
}

public sealed record IndexedPack(Id Id, List<PackedBlob> Blobs);
