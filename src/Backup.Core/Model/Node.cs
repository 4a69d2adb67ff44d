using System.Text;
using System.Text.Json;
using Backup.Core.FileSystem;

namespace Backup.Core.Model;

/// <summary>
/// One entry of a tree: a file, directory, symlink, device, FIFO or socket with its metadata, serialized
/// byte for byte as restic 0.14 writes it (format 9.2).
/// </summary>
public sealed class Node
{
    /// <summary>The file name in <see cref="PathEncoding"/> form; its raw bytes are what is stored.</summary>
    public required string Name { get; set; }

    public NodeType Type { get; set; }

    /// <summary>Go <c>os.FileMode</c> bits (see <see cref="GoFileMode"/>), not <c>st_mode</c>.</summary>
    public uint Mode { get; set; }

    public GoTime ModTime { get; set; } = GoTime.Zero;

    /// <summary>restic stores the modification time here unless asked for the real access time.</summary>
    public GoTime AccessTime { get; set; } = GoTime.Zero;

    public GoTime ChangeTime { get; set; } = GoTime.Zero;

    public uint Uid { get; set; }

    public uint Gid { get; set; }

    public string? User { get; set; }

    public string? Group { get; set; }

    public ulong Inode { get; set; }

    /// <summary><c>st_dev</c> of the file system holding the file.</summary>
    public ulong DeviceId { get; set; }

    public ulong Size { get; set; }

    public ulong Links { get; set; }

    /// <summary>
    /// The symlink target in <see cref="PathEncoding"/> form. A target that is not valid UTF-8 is written as
    /// restic 0.14 writes it (<c>\ufffd</c> for each bad byte) and also, losslessly, as restic 0.16's
    /// <c>linktarget_raw</c>. Read from a restic 0.14 tree, such a target holds <see cref="GoJson.LostByte"/>
    /// where the bad bytes were.
    /// </summary>
    public string? LinkTarget { get; set; }

    public List<ExtendedAttribute>? ExtendedAttributes { get; set; }

    /// <summary>Block and character devices: the raw <c>st_rdev</c>.</summary>
    public ulong Device { get; set; }

    /// <summary>Files: data blob IDs in order, empty for an empty file. Others: null.</summary>
    public List<Id>? Content { get; set; }

    /// <summary>Directories: the tree blob of the contents.</summary>
    public Id? Subtree { get; set; }

    public string? Error { get; set; }

    /// <summary>The node's JSON as restic writes it inside a tree (no trailing newline).</summary>
    public byte[] ToJson()
    {
        var writer = new GoJsonWriter();
        Write(writer);
        return writer.ToArray();
    }

    /// <summary>Reads one node object as restic would.</summary>
    public static Node Parse(ReadOnlySpan<byte> json)
    {
        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
            reader.Read();
            var node = Read(ref reader, "node");
            if (reader.Read())
            {
                throw new FormatException("node JSON has data after the object");
            }

            return node;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            throw new FormatException($"node JSON is malformed: {e.Message}", e);
        }
    }

    internal void Write(GoJsonWriter w)
    {
        w.Raw("{\"name\":"u8);
        if (!w.TryPlainString(Name))
        {
            w.String(GoQuote.QuoteName(PathEncoding.Encode(Name)));
        }

        w.Raw(",\"type\":\""u8);
        w.Raw(Type.ToJsonNameUtf8());
        w.Raw("\""u8);
        if (Mode != 0)
        {
            w.Raw(",\"mode\":"u8);
            w.Number(Mode);
        }

        // restic moves years outside 0000..9999 to the bound before writing node times.
        w.Raw(",\"mtime\":"u8);
        w.Time(ModTime.ClampYear(), "mtime");
        w.Raw(",\"atime\":"u8);
        w.Time(AccessTime.ClampYear(), "atime");
        w.Raw(",\"ctime\":"u8);
        w.Time(ChangeTime.ClampYear(), "ctime");
        w.Raw(",\"uid\":"u8);
        w.Number(Uid);
        w.Raw(",\"gid\":"u8);
        w.Number(Gid);
        if (!string.IsNullOrEmpty(User))
        {
            w.Raw(",\"user\":"u8);
            w.String(User);
        }

        if (!string.IsNullOrEmpty(Group))
        {
            w.Raw(",\"group\":"u8);
            w.String(Group);
        }

        WriteNonZero(w, ",\"inode\":"u8, Inode);
        WriteNonZero(w, ",\"device_id\":"u8, DeviceId);
        WriteNonZero(w, ",\"size\":"u8, Size);
        WriteNonZero(w, ",\"links\":"u8, Links);
        if (!string.IsNullOrEmpty(LinkTarget))
        {
            w.Raw(",\"linktarget\":"u8);
            w.String(LinkTarget);
            var raw = PathEncoding.Encode(LinkTarget);
            if (!System.Text.Unicode.Utf8.IsValid(raw))
            {
                w.Raw(",\"linktarget_raw\":"u8);
                w.Base64(raw);
            }
        }

        if (ExtendedAttributes is { Count: > 0 })
        {
            w.Raw(",\"extended_attributes\":["u8);
            for (var i = 0; i < ExtendedAttributes.Count; i++)
            {
                w.Raw(i == 0 ? "{\"name\":"u8 : ",{\"name\":"u8);
                w.String(ExtendedAttributes[i].Name);
                w.Raw(",\"value\":"u8);
                w.Base64(ExtendedAttributes[i].Value);
                w.Raw("}"u8);
            }

            w.Raw("]"u8);
        }

        WriteNonZero(w, ",\"device\":"u8, Device);
        w.Raw(",\"content\":"u8);
        if (Content is null)
        {
            w.Raw("null"u8);
        }
        else
        {
            w.Raw("["u8);
            for (var i = 0; i < Content.Count; i++)
            {
                if (i > 0)
                {
                    w.Raw(","u8);
                }

                w.Id(Content[i]);
            }

            w.Raw("]"u8);
        }

        if (Subtree is { } subtree)
        {
            w.Raw(",\"subtree\":"u8);
            w.Id(subtree);
        }

        if (!string.IsNullOrEmpty(Error))
        {
            w.Raw(",\"error\":"u8);
            w.String(Error);
        }

        w.Raw("}"u8);
    }

    /// <summary>Reads a node object; the reader is on its start and is left on its end.</summary>
    /// <param name="where">Names the node in errors, e.g. "node 3".</param>
    internal static Node Read(ref Utf8JsonReader reader, string where)
    {
        string? quotedName = null;
        string? plainName = null;
        try
        {
            GoJsonFields.ExpectStartObject(ref reader, where);
            var node = new Node { Name = string.Empty };
            string? type = null;
            byte[]? linkTargetRaw = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                switch (FieldOf(ref reader))
                {
                    case NodeField.Name:
                        quotedName = GoJsonFields.String(ref reader, "name", quotedName);
                        plainName = reader.TokenType == JsonTokenType.String && !reader.ValueIsEscaped && GoQuote.IsPlain(reader.ValueSpan) ? quotedName : null;
                        break;
                    case NodeField.Type: type = GoJsonFields.String(ref reader, "type", type); break;
                    case NodeField.Mode: node.Mode = GoJsonFields.UInt32(ref reader, "mode", node.Mode); break;
                    case NodeField.Mtime: node.ModTime = GoJsonFields.Time(ref reader, "mtime", node.ModTime); break;
                    case NodeField.Atime: node.AccessTime = GoJsonFields.Time(ref reader, "atime", node.AccessTime); break;
                    case NodeField.Ctime: node.ChangeTime = GoJsonFields.Time(ref reader, "ctime", node.ChangeTime); break;
                    case NodeField.Uid: node.Uid = GoJsonFields.UInt32(ref reader, "uid", node.Uid); break;
                    case NodeField.Gid: node.Gid = GoJsonFields.UInt32(ref reader, "gid", node.Gid); break;
                    case NodeField.User: node.User = GoJsonFields.String(ref reader, "user", node.User); break;
                    case NodeField.Group: node.Group = GoJsonFields.String(ref reader, "group", node.Group); break;
                    case NodeField.Inode: node.Inode = GoJsonFields.UInt64(ref reader, "inode", node.Inode); break;
                    case NodeField.DeviceId: node.DeviceId = GoJsonFields.UInt64(ref reader, "device_id", node.DeviceId); break;
                    case NodeField.Size: node.Size = GoJsonFields.UInt64(ref reader, "size", node.Size); break;
                    case NodeField.Links: node.Links = GoJsonFields.UInt64(ref reader, "links", node.Links); break;
                    case NodeField.LinkTarget: node.LinkTarget = GoJsonFields.String(ref reader, "linktarget", node.LinkTarget); break;
                    case NodeField.LinkTargetRaw: linkTargetRaw = GoJsonFields.Bytes(ref reader, "linktarget_raw"); break;
                    case NodeField.ExtendedAttributes: node.ExtendedAttributes = ReadExtendedAttributes(ref reader); break;
                    case NodeField.Device: node.Device = GoJsonFields.UInt64(ref reader, "device", node.Device); break;
                    case NodeField.Content: node.Content = GoJsonFields.IdList(ref reader, "content"); break;
                    case NodeField.Subtree: node.Subtree = GoJsonFields.IdOrNull(ref reader, "subtree"); break;
                    case NodeField.Error: node.Error = GoJsonFields.String(ref reader, "error", node.Error); break;
                    default: GoJsonFields.Skip(ref reader); break;
                }
            }

            // Like restic: the name is Go-unquoted after decoding, and raw link target bytes win.
            node.Name = plainName ?? PathEncoding.Decode(GoQuote.UnquoteName(quotedName ?? string.Empty));
            if (!NodeTypeNames.TryParse(type, out var nodeType))
            {
                throw new FormatException(type is null ? "it has no type" : $"its type \"{type}\" is unknown");
            }

            node.Type = nodeType;
            if (linkTargetRaw is not null)
            {
                node.LinkTarget = PathEncoding.Decode(linkTargetRaw);
            }

            return node;
        }
        catch (FormatException e)
        {
            var name = quotedName is null ? string.Empty : $" \"{quotedName}\"";
            throw new FormatException($"{where}{name}: {e.Message}", e);
        }
    }

    private enum NodeField
    {
        Other,
        Name,
        Type,
        Mode,
        Mtime,
        Atime,
        Ctime,
        Uid,
        Gid,
        User,
        Group,
        Inode,
        DeviceId,
        Size,
        Links,
        LinkTarget,
        LinkTargetRaw,
        ExtendedAttributes,
        Device,
        Content,
        Subtree,
        Error,
    }

    /// <summary>
    /// The field of the current property name. Names as restic writes them are matched on their UTF-8 bytes;
    /// any other spelling is folded as Go's decoder folds it (<see cref="GoJsonFields.Key"/>) and matched then.
    /// </summary>
    private static NodeField FieldOf(ref Utf8JsonReader reader)
    {
        if (!reader.ValueIsEscaped && !reader.HasValueSequence && FieldOf(reader.ValueSpan) is var field and not NodeField.Other)
        {
            return field;
        }

        return FieldOf(Encoding.UTF8.GetBytes(GoJsonFields.Key(ref reader)));
    }

    private static NodeField FieldOf(ReadOnlySpan<byte> key) => key.Length switch
    {
        3 => key.SequenceEqual("uid"u8) ? NodeField.Uid : key.SequenceEqual("gid"u8) ? NodeField.Gid : NodeField.Other,
        4 => key.SequenceEqual("name"u8) ? NodeField.Name
            : key.SequenceEqual("type"u8) ? NodeField.Type
            : key.SequenceEqual("mode"u8) ? NodeField.Mode
            : key.SequenceEqual("user"u8) ? NodeField.User
            : key.SequenceEqual("size"u8) ? NodeField.Size
            : NodeField.Other,
        5 => key.SequenceEqual("mtime"u8) ? NodeField.Mtime
            : key.SequenceEqual("atime"u8) ? NodeField.Atime
            : key.SequenceEqual("ctime"u8) ? NodeField.Ctime
            : key.SequenceEqual("group"u8) ? NodeField.Group
            : key.SequenceEqual("inode"u8) ? NodeField.Inode
            : key.SequenceEqual("links"u8) ? NodeField.Links
            : key.SequenceEqual("error"u8) ? NodeField.Error
            : NodeField.Other,
        6 => key.SequenceEqual("device"u8) ? NodeField.Device : NodeField.Other,
        7 => key.SequenceEqual("content"u8) ? NodeField.Content : key.SequenceEqual("subtree"u8) ? NodeField.Subtree : NodeField.Other,
        9 => key.SequenceEqual("device_id"u8) ? NodeField.DeviceId : NodeField.Other,
        10 => key.SequenceEqual("linktarget"u8) ? NodeField.LinkTarget : NodeField.Other,
        14 => key.SequenceEqual("linktarget_raw"u8) ? NodeField.LinkTargetRaw : NodeField.Other,
        19 => key.SequenceEqual("extended_attributes"u8) ? NodeField.ExtendedAttributes : NodeField.Other,
        _ => NodeField.Other,
    };

    private static List<ExtendedAttribute>? ReadExtendedAttributes(ref Utf8JsonReader reader)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw GoJsonFields.WrongType(ref reader, "extended_attributes", "a list");
        }

        var attributes = new List<ExtendedAttribute>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType == JsonTokenType.Null)
            {
                attributes.Add(new ExtendedAttribute(string.Empty, []));
                continue;
            }

            GoJsonFields.ExpectStartObject(ref reader, "extended_attributes");
            string? name = null;
            byte[]? value = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                switch (GoJsonFields.Key(ref reader))
                {
                    case "name": name = GoJsonFields.String(ref reader, "extended_attributes.name", name); break;
                    case "value": value = GoJsonFields.Bytes(ref reader, "extended_attributes.value"); break;
                    default: GoJsonFields.Skip(ref reader); break;
                }
            }

            attributes.Add(new ExtendedAttribute(name ?? string.Empty, value ?? []));
        }

        return attributes;
    }

    private static void WriteNonZero(GoJsonWriter w, ReadOnlySpan<byte> key, ulong value)
    {
        if (value != 0)
        {
            w.Raw(key);
            w.Number(value);
        }
    }
}
