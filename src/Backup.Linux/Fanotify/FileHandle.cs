using System.Buffers.Binary;
using Backup.Linux.FileSystem;

namespace Backup.Linux.Fanotify;

/// <summary>
/// A struct file_handle: an opaque, filesystem-specific name of an inode that stays valid across renames
/// (until the inode is deleted). Only meaningful together with the filesystem (<see cref="Fsid"/>) it came from.
/// </summary>
public sealed class FileHandle : IEquatable<FileHandle>
{
    private readonly byte[] bytes;

    public FileHandle(int type, ReadOnlySpan<byte> bytes)
    {
        Type = type;
        this.bytes = bytes.ToArray();
    }

    /// <summary>handle_type: which encoding the filesystem used (ext4 1, xfs 0x81, btrfs 0x4d, ...).</summary>
    public int Type { get; }

    /// <summary>f_handle: handle_bytes bytes of filesystem-private data.</summary>
    public ReadOnlyMemory<byte> Bytes => bytes;

    /// <summary>The handle of a path as name_to_handle_at(2) gives it (the path itself, a symlink is not followed).</summary>
    public static unsafe FileHandle Of(string path)
    {
        Span<byte> scratch = stackalloc byte[NativePath.StackSize];
        using var native = new NativePath(path, scratch, "name_to_handle_at");
        var buffer = stackalloc byte[Interop.FileHandleHeaderSize + Interop.MaxHandleSize];
        *(uint*)buffer = Interop.MaxHandleSize;
        int mountId;
        fixed (byte* p = native)
        {
            if (Interop.NameToHandleAt(Interop.At.FDCWD, p, buffer, &mountId, 0) != 0)
            {
                throw FileSystemErrors.LastError("name_to_handle_at", path);
            }
        }

        var length = (int)*(uint*)buffer;
        return new FileHandle(*(int*)(buffer + 4), new ReadOnlySpan<byte>(buffer + Interop.FileHandleHeaderSize, length));
    }

    /// <summary>A stable serialization for storage: the type as 4 bytes little-endian, then the handle bytes.</summary>
    public byte[] ToArray()
    {
        var result = new byte[4 + bytes.Length];
        BinaryPrimitives.WriteInt32LittleEndian(result, Type);
        bytes.CopyTo(result, 4);
        return result;
    }

    /// <summary>The inverse of <see cref="ToArray"/>.</summary>
    public static FileHandle FromArray(ReadOnlySpan<byte> data)
    {
        if (data.Length < 4)
        {
            throw new ArgumentException($"a stored file handle has at least 4 bytes (its type); got {data.Length}", nameof(data));
        }

        return new FileHandle(BinaryPrimitives.ReadInt32LittleEndian(data), data[4..]);
    }

    public bool Equals(FileHandle? other) =>
        other is not null && Type == other.Type && bytes.AsSpan().SequenceEqual(other.bytes);

    public override bool Equals(object? obj) => Equals(obj as FileHandle);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(Type);
        hash.AddBytes(bytes);
        return hash.ToHashCode();
    }

    public override string ToString() => $"{Type:x}:{Convert.ToHexStringLower(bytes)}";
}
