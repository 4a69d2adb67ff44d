using System.Buffers;

namespace Backup.Core.Buffers;

/// <summary>
/// The pools for blob data. Unlike the shared pool they keep no per-thread caches and only a few arrays
/// of each size, so the memory they hold stays bounded however many threads a backup or restore ends up using.
/// </summary>
public static class BlobBuffers
{
    /// <summary>Enough for the largest chunk, compressed worst case, plus the encryption overhead.</summary>
    public const int MaxLength = 16 * 1024 * 1024;

    /// <summary>Whole blobs in one piece: trees and their sealed forms.</summary>
    public static ArrayPool<byte> Pool { get; } = ArrayPool<byte>.Create(MaxLength, Math.Max(4, Environment.ProcessorCount * 2));

    /// <summary>
    /// The segments of <see cref="SegmentedBuffer"/>s: file chunks from the moment they are read until they are in a
    /// pack. All one size, so every segment returned can serve the next request and none becomes garbage; the
    /// limit is far above what a backup has in flight (a few chunks per core).
    /// </summary>
    public static ArrayPool<byte> Segments { get; } = ArrayPool<byte>.Create(SegmentedBuffer.SegmentSize, 256);
}
