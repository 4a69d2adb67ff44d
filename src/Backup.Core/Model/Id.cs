using System.Security.Cryptography;

namespace Backup.Core.Model;

/// <summary>A 32-byte object ID (SHA-256), written as 64 lower-case hex characters.</summary>
public readonly struct Id : IEquatable<Id>, IComparable<Id>
{
    public const int Size = 32;

    private readonly ulong _a, _b, _c, _d;

    public Id(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != Size)
        {
            throw new ArgumentException($"an ID has {Size} bytes, not {bytes.Length}", nameof(bytes));
        }

        _a = System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(bytes);
        _b = System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]);
        _c = System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(bytes[16..]);
        _d = System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(bytes[24..]);
    }

    public static Id Hash(ReadOnlySpan<byte> data)
    {
        Span<byte> digest = stackalloc byte[Size];
        SHA256.HashData(data, digest);
        return new Id(digest);
    }

    public bool IsZero => (_a | _b | _c | _d) == 0;

    public void CopyTo(Span<byte> destination)
    {
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(destination, _a);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(destination[8..], _b);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(destination[16..], _c);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(destination[24..], _d);
    }

    public byte[] ToArray()
    {
        var bytes = new byte[Size];
        CopyTo(bytes);
        return bytes;
    }

    public static Id Parse(string hex)
    {
        if (!TryParse(hex, out var id))
        {
            throw new FormatException($"\"{hex}\" is not an ID: expected 64 hex characters");
        }

        return id;
    }

    public static bool TryParse(string? hex, out Id id)
    {
        id = default;
        if (hex is null || hex.Length != Size * 2)
        {
            return false;
        }

        Span<byte> bytes = stackalloc byte[Size];
        if (Convert.FromHexString(hex, bytes, out _, out var written) != System.Buffers.OperationStatus.Done || written != Size)
        {
            return false;
        }

        id = new Id(bytes);
        return true;
    }

    /// <summary>The 8-character short form used in listings and messages.</summary>
    public string ToShortString() => ToString()[..8];

    public override string ToString()
    {
        Span<byte> bytes = stackalloc byte[Size];
        CopyTo(bytes);
        return Convert.ToHexStringLower(bytes);
    }

    public bool Equals(Id other) => _a == other._a && _b == other._b && _c == other._c && _d == other._d;

    public override bool Equals(object? obj) => obj is Id other && Equals(other);

    public override int GetHashCode() => (int)_a ^ (int)(_a >> 32) ^ (int)_b;

    public int CompareTo(Id other)
    {
        var c = _a.CompareTo(other._a);
        if (c != 0) return c;
        c = _b.CompareTo(other._b);
        if (c != 0) return c;
        c = _c.CompareTo(other._c);
        return c != 0 ? c : _d.CompareTo(other._d);
    }

    public static bool operator ==(Id left, Id right) => left.Equals(right);

    public static bool operator !=(Id left, Id right) => !left.Equals(right);
}

/// <summary>The two kinds of blob a pack can hold.</summary>
public enum BlobType
{
    Data,
    Tree,
}
