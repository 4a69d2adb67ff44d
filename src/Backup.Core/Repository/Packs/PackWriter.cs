using System.Buffers;
using System.Buffers.Binary;
using Backup.Core.Crypto;
using Backup.Core.Model;

namespace Backup.Core.Repository.Packs;

/// <summary>Collects already encrypted blobs of one type into one pack file in memory.</summary>
public sealed class PackWriter : IDisposable
{
    private readonly List<PackedBlob> _blobs = new();
    private byte[] _buffer;
    private int _length;

    public PackWriter(BlobType type, int initialCapacity)
    {
        Type = type;
        _buffer = ArrayPool<byte>.Shared.Rent(initialCapacity);
    }

    public BlobType Type { get; }

    public int Count => _blobs.Count;

    /// <summary>Bytes the pack would have if finished now.</summary>
    public long Size => _length + _headerBytes + CryptoKey.Overhead + PackFormat.TrailerSize;

    private int _headerBytes;

    public void Add(Id id, ReadOnlySpan<byte> sealedBlob, uint uncompressedLength)
    {
        EnsureCapacity(_length + sealedBlob.Length);
        sealedBlob.CopyTo(_buffer.AsSpan(_length));
        var blob = new PackedBlob(Type, id, (uint)_length, (uint)sealedBlob.Length, uncompressedLength);
        _blobs.Add(blob);
        _headerBytes += blob.HeaderEntrySize;
        _length += sealedBlob.Length;
    }

    /// <summary>Appends the encrypted header and trailer and names the pack by its SHA-256.</summary>
    public FinishedPack Finish(CryptoKey key)
    {
        var header = PackFormat.EncodeHeader(_blobs);
        var total = _length + header.Length + CryptoKey.Overhead + PackFormat.TrailerSize;
        var data = new byte[total];
        _buffer.AsSpan(0, _length).CopyTo(data);
        var sealedLength = key.Seal(header, data.AsSpan(_length));
        BinaryPrimitives.WriteUInt32LittleEndian(data.AsSpan(_length + sealedLength), (uint)sealedLength);
        return new FinishedPack(Id.Hash(data), data, _blobs.ToArray());
    }

    public void Dispose()
    {
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = Array.Empty<byte>();
    }

    private void EnsureCapacity(int needed)
    {
        if (needed <= _buffer.Length)
        {
            return;
        }

        var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(needed, _buffer.Length * 2));
        _buffer.AsSpan(0, _length).CopyTo(bigger);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = bigger;
    }
}

public sealed record FinishedPack(Id Id, byte[] Data, PackedBlob[] Blobs);
