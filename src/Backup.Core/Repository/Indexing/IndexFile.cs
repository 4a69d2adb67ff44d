using System.Buffers;
using System.Buffers.Text;
using System.Runtime.InteropServices;
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

    /// <summary>The JSON restic writes (no whitespace, one newline at the end), built in one array of the exact size.</summary>
    public byte[] ToJson()
    {
        var json = new byte[JsonLength()];
        var w = new Writer(json);
        w.Ascii("{");
        if (Supersedes.Count > 0)
        {
            w.Ascii("\"supersedes\":[");
            for (var i = 0; i < Supersedes.Count; i++)
            {
                if (i > 0) w.Ascii(",");
                w.Ascii("\"");
                w.Id(Supersedes[i]);
                w.Ascii("\"");
            }

            w.Ascii("],");
        }

        w.Ascii("\"packs\":[");
        for (var p = 0; p < Packs.Count; p++)
        {
            if (p > 0) w.Ascii(",");
            w.Ascii("{\"id\":\"");
            w.Id(Packs[p].Id);
            w.Ascii("\",\"blobs\":[");
            var blobs = Packs[p].Blobs;
            for (var b = 0; b < blobs.Count; b++)
            {
                var blob = blobs[b];
                if (b > 0) w.Ascii(",");
                w.Ascii("{\"id\":\"");
                w.Id(blob.Id);
                w.Ascii(blob.Type == BlobType.Tree ? "\",\"type\":\"tree\",\"offset\":" : "\",\"type\":\"data\",\"offset\":");
                w.Number(blob.Offset);
                w.Ascii(",\"length\":");
                w.Number(blob.Length);
                if (blob.IsCompressed)
                {
                    w.Ascii(",\"uncompressed_length\":");
                    w.Number(blob.UncompressedLength);
                }

                w.Ascii("}");
            }

            w.Ascii("]}");
        }

        w.Ascii("]}\n");
        if (w.Position != json.Length)
        {
            throw new InvalidOperationException($"index JSON came out {w.Position} bytes long, {json.Length} were computed");
        }

        return json;
    }

    /// <summary>Parses the current format and the old one (a bare array of packs).</summary>
    public static IndexFile Parse(ReadOnlySpan<byte> json, string name)
    {
        var index = new IndexFile();
        Read(json, name, index.Supersedes, (packId, blobs) => index.Packs.Add(new IndexedPack(packId, new List<PackedBlob>(blobs))));
        return index;
    }

    /// <summary>
    /// Parses an index file straight into <paramref name="index"/>, one pack at a time, without building the
    /// file's packs in memory. Accepts what <see cref="Parse"/> accepts.
    /// </summary>
    public static void ParseInto(ReadOnlySpan<byte> json, string name, MasterIndex index) =>
        Read(json, name, null, (packId, blobs) => index.Add(packId, CollectionsMarshal.AsSpan(blobs)));

    private int JsonLength()
    {
        const int IdText = 2 * Id.Size;
        long length = "{".Length + "\"packs\":[".Length + "]}\n".Length;
        if (Supersedes.Count > 0)
        {
            length += "\"supersedes\":[".Length + "],".Length + (Supersedes.Count * (IdText + 2)) + (Supersedes.Count - 1);
        }

        length += Math.Max(0, Packs.Count - 1);
        foreach (var pack in Packs)
        {
            length += "{\"id\":\"".Length + IdText + "\",\"blobs\":[".Length + "]}".Length + Math.Max(0, pack.Blobs.Count - 1);
            foreach (var blob in pack.Blobs)
            {
                length += "{\"id\":\"".Length + IdText + "\",\"type\":\"data\",\"offset\":".Length + Digits(blob.Offset)
                    + ",\"length\":".Length + Digits(blob.Length) + "}".Length;
                if (blob.IsCompressed)
                {
                    length += ",\"uncompressed_length\":".Length + Digits(blob.UncompressedLength);
                }
            }
        }

        return checked((int)length);
    }

    private static int Digits(uint value)
    {
        var digits = 1;
        while (value >= 10)
        {
            value /= 10;
            digits++;
        }

        return digits;
    }

    private delegate void PackHandler(Id packId, List<PackedBlob> blobs);

    /// <summary>
    /// Reads an index with a forward-only reader and hands over each pack when its object ends. As in Go,
    /// keys match case-insensitively and unknown keys are skipped; where a key repeats, the first one counts.
    /// </summary>
    private static void Read(ReadOnlySpan<byte> json, string name, List<Id>? supersedes, PackHandler onPack)
    {
        var blobs = new List<PackedBlob>();
        var reader = new Utf8JsonReader(json);
        try
        {
            reader.Read();
            switch (reader.TokenType)
            {
                case JsonTokenType.StartArray:
                    ReadPacks(ref reader, name, blobs, onPack);
                    break;
                case JsonTokenType.StartObject:
                    var packsSeen = false;
                    while (NextProperty(ref reader))
                    {
                        if (KeyIs(ref reader, "supersedes"))
                        {
                            reader.Read();
                            if (reader.TokenType != JsonTokenType.StartArray)
                            {
                                reader.Skip();
                                continue;
                            }

                            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                            {
                                var id = ReadId(ref reader);
                                supersedes?.Add(id);
                            }
                        }
                        else if (!packsSeen && KeyIs(ref reader, "packs"))
                        {
                            packsSeen = true;
                            reader.Read();
                            if (reader.TokenType == JsonTokenType.StartArray)
                            {
                                ReadPacks(ref reader, name, blobs, onPack);
                            }
                            else
                            {
                                reader.Skip();
                            }
                        }
                        else
                        {
                            reader.Read();
                            reader.Skip();
                        }
                    }

                    break;
                default:
                    // Some other JSON value: an index without packs.
                    break;
            }

            // Only whitespace may follow; anything else makes the reader throw.
            if (reader.Read())
            {
                throw new JsonException("unexpected data after the end of the index");
            }
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException or KeyNotFoundException)
        {
            throw new RepositoryFormatException($"index {name}: cannot be parsed: {e.Message}", e);
        }
    }

    private static void ReadPacks(ref Utf8JsonReader reader, string name, List<PackedBlob> blobs, PackHandler onPack)
    {
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                throw new InvalidOperationException($"a pack must be a JSON object, not {reader.TokenType}");
            }

            Id? packId = null;
            var blobsSeen = false;
            string? unknownType = null;
            blobs.Clear();
            while (NextProperty(ref reader))
            {
                if (packId is null && KeyIs(ref reader, "id"))
                {
                    reader.Read();
                    packId = ReadId(ref reader);
                }
                else if (!blobsSeen && KeyIs(ref reader, "blobs"))
                {
                    blobsSeen = true;
                    reader.Read();
                    if (reader.TokenType != JsonTokenType.StartArray)
                    {
                        reader.Skip();
                        continue;
                    }

                    while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                    {
                        var blob = ReadBlob(ref reader, out var typeText);
                        unknownType ??= typeText;
                        blobs.Add(blob);
                    }
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }

            if (packId is not { } id)
            {
                throw new KeyNotFoundException("a pack has no \"id\"");
            }

            if (unknownType is not null)
            {
                throw new RepositoryFormatException($"index {name}: pack {id.ToShortString()} lists a blob of unknown type \"{unknownType}\"");
            }

            onPack(id, blobs);
        }
    }

    /// <summary>One blob object; a type other than "data" or "tree" is returned in <paramref name="unknownType"/>.</summary>
    private static PackedBlob ReadBlob(ref Utf8JsonReader reader, out string? unknownType)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new InvalidOperationException($"a blob must be a JSON object, not {reader.TokenType}");
        }

        unknownType = null;
        BlobType? type = null;
        Id? id = null;
        uint? offset = null, length = null, uncompressed = null;
        while (NextProperty(ref reader))
        {
            if (type is null && unknownType is null && KeyIs(ref reader, "type"))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.String && reader.ValueTextEquals("data"u8))
                {
                    type = BlobType.Data;
                }
                else if (reader.TokenType == JsonTokenType.String && reader.ValueTextEquals("tree"u8))
                {
                    type = BlobType.Tree;
                }
                else
                {
                    // GetString throws for anything that is not a string or null.
                    unknownType = reader.GetString() ?? "";
                }
            }
            else if (id is null && KeyIs(ref reader, "id"))
            {
                reader.Read();
                id = ReadId(ref reader);
            }
            else if (offset is null && KeyIs(ref reader, "offset"))
            {
                reader.Read();
                offset = reader.GetUInt32();
            }
            else if (length is null && KeyIs(ref reader, "length"))
            {
                reader.Read();
                length = reader.GetUInt32();
            }
            else if (uncompressed is null && KeyIs(ref reader, "uncompressed_length"))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.Number)
                {
                    uncompressed = reader.GetUInt32();
                }
                else
                {
                    // Not a number (null, say): the blob counts as uncompressed.
                    reader.Skip();
                    uncompressed = 0;
                }
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        if (type is null && unknownType is null)
        {
            throw new KeyNotFoundException("a blob has no \"type\"");
        }

        return new PackedBlob(
            type ?? BlobType.Data,
            id ?? throw new KeyNotFoundException("a blob has no \"id\""),
            offset ?? throw new KeyNotFoundException("a blob has no \"offset\""),
            length ?? throw new KeyNotFoundException("a blob has no \"length\""),
            uncompressed ?? 0);
    }

    /// <summary>Moves to the next property name of the current object; false at its end.</summary>
    private static bool NextProperty(ref Utf8JsonReader reader) =>
        reader.Read() && reader.TokenType == JsonTokenType.PropertyName;

    private static bool KeyIs(ref Utf8JsonReader reader, string key)
    {
        if (!reader.ValueIsEscaped && Ascii.IsValid(reader.ValueSpan))
        {
            return Ascii.EqualsIgnoreCase(reader.ValueSpan, key);
        }

        return GoJson.KeyMatches(reader.GetString()!, key);
    }

    private static Id ReadId(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.String && !reader.ValueIsEscaped && reader.ValueSpan.Length == 2 * Id.Size)
        {
            Span<byte> bytes = stackalloc byte[Id.Size];
            if (Convert.FromHexString(reader.ValueSpan, bytes, out _, out var written) == OperationStatus.Done && written == Id.Size)
            {
                return new Id(bytes);
            }
        }

        // The slow way for escapes and wrong values: GetString throws for anything but a string or null.
        return Id.Parse(reader.GetString() ?? "");
    }

    /// <summary>Writes ASCII text into an array sized in advance.</summary>
    private ref struct Writer(byte[] destination)
    {
        private readonly Span<byte> _destination = destination;

        public int Position { get; private set; }

        public void Ascii(string text)
        {
            Encoding.ASCII.GetBytes(text, _destination[Position..]);
            Position += text.Length;
        }

        public void Id(Id id)
        {
            Span<byte> bytes = stackalloc byte[Model.Id.Size];
            id.CopyTo(bytes);
            Convert.TryToHexStringLower(bytes, _destination[Position..], out var written);
            Position += written;
        }

        public void Number(uint value)
        {
            Utf8Formatter.TryFormat(value, _destination[Position..], out var written);
            Position += written;
        }
    }
}

public sealed record IndexedPack(Id Id, List<PackedBlob> Blobs);
