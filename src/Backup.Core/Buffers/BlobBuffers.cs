using System.Buffers;

namespace Backup.Core.Buffers;

/// <summary>
/// The pool for chunk-sized buffers (up to a few MiB). Unlike the shared pool it keeps no per-thread
/// caches and only a few arrays of each size, so the memory it holds stays bounded however many
/// threads a backup or restore ends up using.
/// </summary>
public static class BlobBuffers
{
    /// <summary>Enough for the largest chunk, compressed worst case, plus the encryption overhead.</summary>
    public const int MaxLength = 16 * 1024 * 1024;

    public static ArrayPool<byte> Pool { get; } = ArrayPool<byte>.Create(MaxLength, Math.Max(4, Environment.ProcessorCount * 2));
}
