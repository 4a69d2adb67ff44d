using System.Buffers;
using System.Security.Cryptography;

namespace Backup.Core.Buffers;

/// <summary>
/// Bytes held in fixed-size pooled segments, all full except the last: a chunk on its way from a file to
/// a pack, or its compressed form. Chunks range from a few bytes to 8 MiB; in equal segments the memory a
/// backup keeps is what its chunks in flight need, instead of every buffer growing over time to the
/// largest chunk it once held. Disposing returns the segments to the pool.
/// </summary>
public sealed class SegmentedBuffer : IDisposable
{
    /// <summary>The segment size: restic's minimum chunk size, so a small file is one segment; a multiple of the AES block.</summary>
    public const int SegmentSize = 512 * 1024;

    private readonly ArrayPool<byte> _pool;
    private readonly List<byte[]> _segments = new(4);

    /// <param name="pool">Where the segments come from and go back to; it must hand out arrays of exactly <see cref="SegmentSize"/> bytes or more.</param>
    public SegmentedBuffer(ArrayPool<byte> pool)
    {
        _pool = pool;
    }

    public int Length { get; private set; }

    public int SegmentCount => _segments.Count;

    /// <summary>Sets the length and returns the segments past it to the pool.</summary>
    public void SetLength(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan((long)length, (long)_segments.Count * SegmentSize);
        var needed = (int)(((long)length + SegmentSize - 1) / SegmentSize);
        for (var i = _segments.Count - 1; i >= needed; i--)
        {
            _pool.Return(_segments[i]);
            _segments.RemoveAt(i);
        }

        Length = length;
    }

    /// <summary>Adds a segment at the end for the caller to fill (then <see cref="SetLength"/>); returns its <see cref="SegmentSize"/> bytes.</summary>
    public Memory<byte> AddSegment()
    {
        var segment = _pool.Rent(SegmentSize);
        _segments.Add(segment);
        return segment.AsMemory(0, SegmentSize);
    }

    /// <summary>The bytes of segment <paramref name="index"/> that are part of the buffer; writable, for in-place transforms.</summary>
    public Memory<byte> Segment(int index)
    {
        var start = (long)index * SegmentSize;
        return _segments[index].AsMemory(0, (int)Math.Clamp(Length - start, 0, SegmentSize));
    }

    public void CopyTo(Span<byte> destination)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, Length, nameof(destination));
        for (var i = 0; i < _segments.Count; i++)
        {
            Segment(i).Span.CopyTo(destination[(i * SegmentSize)..]);
        }
    }

    public byte[] ToArray()
    {
        var bytes = new byte[Length];
        CopyTo(bytes);
        return bytes;
    }

    /// <summary>Writes the SHA-256 of the bytes (a blob's ID) into <paramref name="digest"/>.</summary>
    public void ComputeSha256(Span<byte> digest)
    {
        if (_segments.Count <= 1)
        {
            SHA256.HashData(_segments.Count == 0 ? [] : Segment(0).Span, digest);
            return;
        }

        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        for (var i = 0; i < _segments.Count; i++)
        {
            hash.AppendData(Segment(i).Span);
        }

        hash.GetHashAndReset(digest);
    }

    public void Dispose()
    {
        foreach (var segment in _segments)
        {
            _pool.Return(segment);
        }

        _segments.Clear();
        Length = 0;
    }
}
