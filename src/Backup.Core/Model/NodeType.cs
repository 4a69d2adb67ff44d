namespace Backup.Core.Model;

/// <summary>A node's <c>type</c>; in JSON the lower-case names file, dir, symlink, dev, chardev, fifo, socket.</summary>
public enum NodeType
{
    File,
    Dir,
    Symlink,

    /// <summary>A block device.</summary>
    Dev,
    Chardev,
    Fifo,

    /// <summary>Valid in trees, though restic 0.14's backup skips sockets.</summary>
    Socket,
}

/// <summary>The JSON names of <see cref="NodeType"/>.</summary>
public static class NodeTypeNames
{
    /// <summary>The name as a node's <c>type</c> holds it, in UTF-8.</summary>
    internal static ReadOnlySpan<byte> ToJsonNameUtf8(this NodeType type) => type switch
    {
        NodeType.File => "file"u8,
        NodeType.Dir => "dir"u8,
        NodeType.Symlink => "symlink"u8,
        NodeType.Dev => "dev"u8,
        NodeType.Chardev => "chardev"u8,
        NodeType.Fifo => "fifo"u8,
        NodeType.Socket => "socket"u8,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "not a node type"),
    };

    /// <summary>Reads a JSON type name; restic compares them exactly, so case matters.</summary>
    public static bool TryParse(string? name, out NodeType type)
    {
        switch (name)
        {
            case "file": type = NodeType.File; return true;
            case "dir": type = NodeType.Dir; return true;
            case "symlink": type = NodeType.Symlink; return true;
            case "dev": type = NodeType.Dev; return true;
            case "chardev": type = NodeType.Chardev; return true;
            case "fifo": type = NodeType.Fifo; return true;
            case "socket": type = NodeType.Socket; return true;
            default: type = default; return false;
        }
    }
}
