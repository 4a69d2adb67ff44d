using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using Backup.Core.Buffers;

namespace Backup.Core.Chunking;

/// <summary>
/// Splits a stream into restic-compatible chunks, each handed to the caller as a <see cref="SegmentedBuffer"/>
/// of its own, so a chunk can be queued for storing without a copy. The stream is read straight into the
/// segments of the chunk being built; only the bytes read past a cut, less than one segment, are copied
/// into the next chunk. Memory is the chunk being built, not a ring of twice the largest chunk.
/// Does not dispose <c>source</c>.
/// </summary>
public sealed class StreamChunker : IDisposable
{
    private readonly Stream _source;
    private readonly Chunker _chunker;
    private readonly ArrayPool<byte> _pool;
    private SegmentedBuffer? _chunk; // the chunk being built; its last segment is being filled
    private Memory<byte> _segment;   // that last segment (empty when there is none)
    private int _scanned;            // bytes of _segment fed to the chunker
    private int _end;                // bytes of _segment read from the source
    private bool _endOfStream;
    private bool _disposed;

    public StreamChunker(Stream source, Polynomial polynomial, ArrayPool<byte>? segmentPool = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (!source.CanRead)
        {
            throw new ArgumentException("the stream to chunk must be readable", nameof(source));
        }

        _source = source;
        _chunker = new Chunker(polynomial);
        _pool = segmentPool ?? BlobBuffers.Segments;
    }

    /// <summary>
    /// Returns the next chunk, which now belongs to the caller (dispose it to return its memory).
    /// Returns false at the end of the stream; an empty stream yields no chunks.
    /// </summary>
    public bool TryReadNext([NotNullWhen(true)] out SegmentedBuffer? chunk)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        while (true)
        {
            if (_scanned < _end)
            {
                var cut = _chunker.FindCut(_segment.Span[_scanned.._end]);
                if (cut >= 0)
                {
                    chunk = _chunk!;
                    _chunker.Reset();
                    StartNextChunk(_scanned + cut);
                    return true;
                }

                _scanned = _end;
            }

            if (_endOfStream)
            {
                // Whatever is left, of any length, is the last chunk.
                chunk = _chunk;
                _chunk = null;
                _segment = Memory<byte>.Empty;
                _scanned = _end = 0;
                if (chunk is not null && chunk.Length > 0)
                {
                    return true;
                }

                chunk?.Dispose();
                chunk = null;
                return false;
            }

            Fill();
        }
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _chunk?.Dispose();
        _chunk = null;
        _segment = Memory<byte>.Empty;
    }

    /// <summary>Ends the current chunk at <paramref name="cut"/> in the last segment; what was read past it starts the next.</summary>
    private void StartNextChunk(int cut)
    {
        var finished = _chunk!;
        var rest = _segment.Span[cut.._end];
        finished.SetLength((finished.SegmentCount - 1) * SegmentedBuffer.SegmentSize + cut);
        _chunk = null;
        _segment = Memory<byte>.Empty;
        _scanned = _end = 0;
        if (!rest.IsEmpty)
        {
            var next = new SegmentedBuffer(_pool);
            var segment = next.AddSegment();
            rest.CopyTo(segment.Span);
            next.SetLength(rest.Length);
            _chunk = next;
            _segment = segment;
            _end = rest.Length;
        }
    }

    private void Fill()
    {
        var chunk = _chunk ??= new SegmentedBuffer(_pool);
        if (_segment.IsEmpty || _end == SegmentedBuffer.SegmentSize)
        {
            _segment = chunk.AddSegment();
            _scanned = _end = 0;
        }

        var read = _source.Read(_segment.Span[_end..]);
        if (read == 0)
        {
            _endOfStream = true;
        }

        _end += read;
        chunk.SetLength((chunk.SegmentCount - 1) * SegmentedBuffer.SegmentSize + _end);
        if (_end == 0)
        {
            // The segment just added stayed empty and went back to the pool.
            _segment = Memory<byte>.Empty;
        }
    }
}
