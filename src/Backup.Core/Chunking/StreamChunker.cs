using Backup.Core.Buffers;
using System.Buffers;

namespace Backup.Core.Chunking;

/// <summary>
/// Splits a stream into restic-compatible chunks. Reads in large blocks into one pooled buffer of twice the
/// maximum chunk size and hands out chunks as views of that buffer, so memory stays bounded whatever the
/// stream's length and chunk bytes are copied only when a chunk straddles the end of the buffer.
/// Does not dispose <c>source</c>.
/// </summary>
public sealed class StreamChunker : IDisposable
{
    /// <summary>Reads never ask for less than this, so a file costs few system calls.</summary>
    internal const int MinReadSize = 1024 * 1024;

    // The largest chunk plus one read: an unfinished chunk moved to the front always leaves room for the next read.
    internal const int BufferSize = Chunker.MaxSize + MinReadSize;

    private readonly Stream _source;
    private readonly Chunker _chunker;
    private byte[]? _buffer;
    private int _chunkStart; // first byte of the chunk being built
    private int _scanned;    // bytes before this have been fed to the chunker
    private int _end;        // bytes before this have been read from the source
    private bool _endOfStream;

    public StreamChunker(Stream source, Polynomial polynomial)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (!source.CanRead)
        {
            throw new ArgumentException("the stream to chunk must be readable", nameof(source));
        }

        _source = source;
        _chunker = new Chunker(polynomial);
        _buffer = BlobBuffers.Pool.Rent(BufferSize);
    }

    /// <summary>
    /// Returns the next chunk of the stream. The memory stays valid only until the next call or
    /// <see cref="Dispose"/>. Returns false at the end of the stream; an empty stream yields no chunks.
    /// </summary>
    public bool TryReadNext(out ReadOnlyMemory<byte> chunk)
    {
        var buffer = _buffer ?? throw new ObjectDisposedException(nameof(StreamChunker));
        while (true)
        {
            if (_scanned < _end)
            {
                var cut = _chunker.FindCut(buffer.AsSpan(_scanned, _end - _scanned));
                if (cut >= 0)
                {
                    var cutEnd = _scanned + cut;
                    chunk = buffer.AsMemory(_chunkStart, cutEnd - _chunkStart);
                    _chunkStart = _scanned = cutEnd;
                    _chunker.Reset();
                    return true;
                }

                _scanned = _end;
            }

            if (_endOfStream)
            {
                // Whatever is left, of any length, is the last chunk.
                if (_chunkStart < _end)
                {
                    chunk = buffer.AsMemory(_chunkStart, _end - _chunkStart);
                    _chunkStart = _end;
                    return true;
                }

                chunk = ReadOnlyMemory<byte>.Empty;
                return false;
            }

            Fill(buffer);
        }
    }

    public void Dispose()
    {
        if (_buffer is { } buffer)
        {
            _buffer = null;
            BlobBuffers.Pool.Return(buffer);
        }
    }

    private void Fill(byte[] buffer)
    {
        if (_chunkStart == _end)
        {
            // Nothing pending: start over at the front for free.
            _chunkStart = _scanned = _end = 0;
        }
        else if (buffer.Length - _end < MinReadSize)
        {
            // The partial chunk is below MaxSize (the chunker cuts there), so at least MaxSize is free after this.
            var pending = _end - _chunkStart;
            Buffer.BlockCopy(buffer, _chunkStart, buffer, 0, pending);
            _scanned -= _chunkStart;
            _end = pending;
            _chunkStart = 0;
        }

        var read = _source.Read(buffer, _end, buffer.Length - _end);
        if (read == 0)
        {
            _endOfStream = true;
        }

        _end += read;
    }
}
