using System.Buffers.Binary;
using Backup.Core.Crypto;
using Backup.Core.Model;

namespace Backup.Core.Repository.Packs;

/// <summary>
/// The pack file layout: encrypted blobs back to back, then the encrypted header listing them, then
/// the header's encrypted length as a little-endian uint32.
/// </summary>
public static class PackFormat
{
    public const int PlainEntrySize = 1 + 4 + 32;
    public const int CompressedEntrySize = 1 + 4 + 4 + 32;
    public const int TrailerSize = 4;
    public const int MaxHeaderSize = 16 * 1024 * 1024;
    public const int MinPackSize = PlainEntrySize + CryptoKey.Overhead + TrailerSize;

    /// <summary>The file size a pack must have given its blobs (the check restic does from the index alone).</summary>
    public static long ExpectedSize(IEnumerable<PackedBlob> blobs)
    {
        long size = TrailerSize + CryptoKey.Overhead;
        foreach (var b in blobs)
        {
            size += b.Length + b.HeaderEntrySize;
        }

        return size;
    }

    public static byte[] EncodeHeader(IReadOnlyList<PackedBlob> blobs)
    {
        var size = 0;
        foreach (var b in blobs)
        {
            size += b.HeaderEntrySize;
        }

        var header = new byte[size];
        var pos = 0;
        foreach (var b in blobs)
        {
            var typeByte = (byte)((b.Type == BlobType.Tree ? 1 : 0) + (b.IsCompressed ? 2 : 0));
            header[pos++] = typeByte;
            BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(pos), b.Length);
            pos += 4;
            if (b.IsCompressed)
            {
                BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(pos), b.UncompressedLength);
                pos += 4;
            }

            b.Id.CopyTo(header.AsSpan(pos));
            pos += 32;
        }

        return header;
    }

    /// <summary>Decodes a decrypted header into blob positions; offsets are the running sum of lengths.</summary>
    public static List<PackedBlob> DecodeHeader(ReadOnlySpan<byte> header, string packName)
    {
        var blobs = new List<PackedBlob>();
        uint offset = 0;
        var pos = 0;
        while (pos < header.Length)
        {
            var typeByte = header[pos];
            if (typeByte > 3)
            {
                throw new RepositoryFormatException($"pack {packName}: header entry {blobs.Count} has invalid type {typeByte}");
            }

            var compressed = typeByte >= 2;
            var entrySize = compressed ? CompressedEntrySize : PlainEntrySize;
            if (pos + entrySize > header.Length)
            {
                throw new RepositoryFormatException($"pack {packName}: header is truncated in entry {blobs.Count}");
            }

            var length = BinaryPrimitives.ReadUInt32LittleEndian(header[(pos + 1)..]);
            var uncompressed = compressed ? BinaryPrimitives.ReadUInt32LittleEndian(header[(pos + 5)..]) : 0;
            var id = new Id(header.Slice(pos + entrySize - 32, 32));
            blobs.Add(new PackedBlob((typeByte & 1) == 1 ? BlobType.Tree : BlobType.Data, id, offset, length, uncompressed));
            offset = checked(offset + length);
            pos += entrySize;
        }

        return blobs;
    }

    /// <summary>Reads the header from the tail of a pack: <paramref name="tail"/> must end at the end of the file.</summary>
    public static int HeaderLength(ReadOnlySpan<byte> lastFourBytes, long fileSize, string packName)
    {
        if (fileSize < MinPackSize)
        {
            throw new RepositoryFormatException($"pack {packName}: file is too small ({fileSize} bytes) to be a pack");
        }

        var headerLength = BinaryPrimitives.ReadUInt32LittleEndian(lastFourBytes);
        if (headerLength < CryptoKey.Overhead || headerLength > fileSize - TrailerSize || headerLength > MaxHeaderSize)
        {
            throw new RepositoryFormatException($"pack {packName}: header length {headerLength} is impossible for a {fileSize}-byte file");
        }

        return (int)headerLength;
    }
}
