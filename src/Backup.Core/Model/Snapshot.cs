using System.Text.Json;

namespace Backup.Core.Model;

/// <summary>
/// A snapshot file's content (format 8): the root tree and where, when and by whom it was taken. Written
/// with restic's field order and omitempty rules, plus the later <c>program_version</c> and <c>summary</c>
/// fields, which restic 0.14 ignores.
/// </summary>
public sealed class Snapshot
{
    /// <summary>When the backup started, in the creator's local zone.</summary>
    public GoTime Time { get; set; } = GoTime.Zero;

    public Id? Parent { get; set; }

    /// <summary>The root tree blob.</summary>
    public Id Tree { get; set; }

    /// <summary>The absolute paths given to the backup; null is written as <c>null</c>.</summary>
    public List<string>? Paths { get; set; }

    public string? Hostname { get; set; }

    public string? Username { get; set; }

    public uint Uid { get; set; }

    public uint Gid { get; set; }

    public List<string>? Excludes { get; set; }

    public List<string>? Tags { get; set; }

    /// <summary>The first version of this snapshot, when it was rewritten (e.g. by a tag change).</summary>
    public Id? Original { get; set; }

    /// <summary>The version of the program that made the snapshot (restic 0.16's field).</summary>
    public string? ProgramVersion { get; set; }

    public SnapshotSummary? Summary { get; set; }

    /// <summary>The snapshot file's plaintext as restic writes it: compact, no trailing newline.</summary>
    public byte[] ToJson()
    {
        var w = new GoJsonWriter(512);
        w.Raw("{\"time\":"u8);
        w.Time(Time, "time");
        if (Parent is { } parent)
        {
            w.Raw(",\"parent\":"u8);
            w.Id(parent);
        }

        w.Raw(",\"tree\":"u8);
        w.Id(Tree);
        w.Raw(",\"paths\":"u8);
        w.StringList(Paths);
        WriteNonEmpty(w, ",\"hostname\":"u8, Hostname);
        WriteNonEmpty(w, ",\"username\":"u8, Username);
        if (Uid != 0)
        {
            w.Raw(",\"uid\":"u8);
            w.Number(Uid);
        }

        if (Gid != 0)
        {
            w.Raw(",\"gid\":"u8);
            w.Number(Gid);
        }

        if (Excludes is { Count: > 0 })
        {
            w.Raw(",\"excludes\":"u8);
            w.StringList(Excludes);
        }

        if (Tags is { Count: > 0 })
        {
            w.Raw(",\"tags\":"u8);
            w.StringList(Tags);
        }

        if (Original is { } original)
        {
            w.Raw(",\"original\":"u8);
            w.Id(original);
        }

        WriteNonEmpty(w, ",\"program_version\":"u8, ProgramVersion);
        if (Summary is not null)
        {
            w.Raw(",\"summary\":"u8);
            Summary.Write(w);
        }

        w.Raw("}"u8);
        return w.ToArray();
    }

    /// <summary>Reads a snapshot as restic does: keys case-insensitive, unknown keys ignored.</summary>
    /// <exception cref="FormatException">The JSON is malformed, a field is invalid or there is no tree.</exception>
    public static Snapshot Parse(ReadOnlySpan<byte> json)
    {
        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
            reader.Read();
            GoJsonFields.ExpectStartObject(ref reader, "snapshot");
            var s = new Snapshot();
            Id? tree = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                switch (GoJsonFields.Key(ref reader))
                {
                    case "time": s.Time = GoJsonFields.Time(ref reader, "time", s.Time); break;
                    case "parent": s.Parent = GoJsonFields.IdOrNull(ref reader, "parent"); break;
                    case "tree": tree = GoJsonFields.IdOrNull(ref reader, "tree"); break;
                    case "paths": s.Paths = GoJsonFields.StringList(ref reader, "paths"); break;
                    case "hostname": s.Hostname = GoJsonFields.String(ref reader, "hostname", s.Hostname); break;
                    case "username": s.Username = GoJsonFields.String(ref reader, "username", s.Username); break;
                    case "uid": s.Uid = GoJsonFields.UInt32(ref reader, "uid", s.Uid); break;
                    case "gid": s.Gid = GoJsonFields.UInt32(ref reader, "gid", s.Gid); break;
                    case "excludes": s.Excludes = GoJsonFields.StringList(ref reader, "excludes"); break;
                    case "tags": s.Tags = GoJsonFields.StringList(ref reader, "tags"); break;
                    case "original": s.Original = GoJsonFields.IdOrNull(ref reader, "original"); break;
                    case "program_version": s.ProgramVersion = GoJsonFields.String(ref reader, "program_version", s.ProgramVersion); break;
                    case "summary":
                        reader.Read();
                        s.Summary = reader.TokenType == JsonTokenType.Null ? null : SnapshotSummary.Read(ref reader);
                        break;
                    default: GoJsonFields.Skip(ref reader); break;
                }
            }

            if (reader.Read())
            {
                throw new FormatException("snapshot JSON has data after the object");
            }

            s.Tree = tree ?? throw new FormatException("snapshot has no tree");
            return s;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            throw new FormatException($"snapshot JSON is malformed: {e.Message}", e);
        }
        catch (FormatException e) when (!e.Message.StartsWith("snapshot", StringComparison.Ordinal))
        {
            throw new FormatException($"snapshot: {e.Message}", e);
        }
    }

    private static void WriteNonEmpty(GoJsonWriter w, ReadOnlySpan<byte> key, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            w.Raw(key);
            w.String(value);
        }
    }
}
