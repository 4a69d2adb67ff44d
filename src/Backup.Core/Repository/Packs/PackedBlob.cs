using Backup.Core.Model;

namespace Backup.Core.Repository.Packs;

/// <summary>
/// Where a blob lives inside a pack. <see cref="Length"/> is the encrypted on-disk size;
/// <see cref="UncompressedLength"/> is the original size for compressed blobs and 0 otherwise.
/// </summary>
public readonly record struct PackedBlob(BlobType Type, Id Id, uint Offset, uint Length, uint UncompressedLength)
{
    public bool IsCompressed => UncompressedLength != 0;

    /// <summary>The plaintext size of the blob as the user sees it.</summary>
    public uint DataLength => IsCompressed ? UncompressedLength : Length - (uint)Crypto.CryptoKey.Overhead;

    /// <summary>Size of this blob's entry in the pack header (37 or 41 bytes).</summary>
    public int HeaderEntrySize => IsCompressed ? PackFormat.CompressedEntrySize : PackFormat.PlainEntrySize;
}
