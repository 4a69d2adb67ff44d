using System.Buffers.Binary;
using System.Security.Cryptography;
using Backup.Core.Buffers;
using Backup.Core.Crypto;
using Backup.Core.Model;

namespace Backup.Core.Repository.Packs;

/// <summary>
/// Writes already encrypted blobs of one type into a pack as they come, hashing as it goes; the
/// pack's name (its SHA-256) is known when <see cref="Finish"/> has appended the header.
/// </summary>
public sealed class PackWriter : IDisposable
{
    private readonly Stream _output;
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly List<PackedBlob> _blobs = new();
    private long _length;
    private int _headerBytes;

    public PackWriter(BlobType type, Stream output)
    {
        Type = type;
        _output = output;
    }

    public BlobType Type { get; }

    public int Count => _blobs.Count;

    /// <summary>Bytes the pack would have if finished now.</summary>
    public long Size => _length + _headerBytes + CryptoKey.Overhead + PackFormat.TrailerSize;

    public void Add(Id id, ReadOnlySpan<byte> sealedBlob, uint uncompressedLength)
    {
        _output.Write(sealedBlob);
        _hash.AppendData(sealedBlob);
        var blob = new PackedBlob(Type, id, checked((uint)_length), (uint)sealedBlob.Length, uncompressedLength);
        _blobs.Add(blob);
        _headerBytes += blob.HeaderEntrySize;
        _length += sealedBlob.Length;
    }

    /// <summary>Adds a blob sealed in pieces: IV ‖ the encrypted segments ‖ MAC (see <see cref="CryptoKey.SealInPlace"/>).</summary>
    public void Add(Id id, ReadOnlySpan<byte> iv, SegmentedBuffer ciphertext, ReadOnlySpan<byte> mac, uint uncompressedLength)
    {
        var sealedLength = checked(iv.Length + ciphertext.Length + mac.Length);
        Append(iv);
        for (var i = 0; i < ciphertext.SegmentCount; i++)
        {
            Append(ciphertext.Segment(i).Span);
        }

        Append(mac);
        var blob = new PackedBlob(Type, id, checked((uint)_length), (uint)sealedLength, uncompressedLength);
        _blobs.Add(blob);
        _headerBytes += blob.HeaderEntrySize;
        _length += sealedLength;
    }

    /// <summary>Appends the encrypted header and its length, and names the pack by its SHA-256.</summary>
    public (Id Id, PackedBlob[] Blobs, long Length) Finish(CryptoKey key)
    {
        var sealedHeader = key.Seal(PackFormat.EncodeHeader(_blobs));
        Span<byte> trailer = stackalloc byte[PackFormat.TrailerSize];
        BinaryPrimitives.WriteUInt32LittleEndian(trailer, (uint)sealedHeader.Length);
        _output.Write(sealedHeader);
        _output.Write(trailer);
        _hash.AppendData(sealedHeader);
        _hash.AppendData(trailer);
        _output.Flush();
        var id = new Id(_hash.GetHashAndReset());
        return (id, _blobs.ToArray(), _length + sealedHeader.Length + trailer.Length);
    }

    public void Dispose() => _hash.Dispose();

    private void Append(ReadOnlySpan<byte> bytes)
    {
        _output.Write(bytes);
        _hash.AppendData(bytes);
    }
}
