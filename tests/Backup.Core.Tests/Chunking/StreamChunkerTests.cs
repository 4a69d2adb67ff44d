using System.Security.Cryptography;
using Backup.Core.Buffers;
using Backup.Core.Chunking;

namespace Backup.Core.Tests.Chunking;

public class StreamChunkerTests
{
    private static readonly Polynomial TestPolynomial = new(0x3da3358b4dc173);

    [Fact]
    public void Empty_stream_yields_no_chunks()
    {
        using var chunker = new StreamChunker(new MemoryStream(), TestPolynomial);
        Assert.False(chunker.TryReadNext(out var chunk));
        Assert.Null(chunk);
        Assert.False(chunker.TryReadNext(out _));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(1000)]
    [InlineData(Chunker.MinSize)]
    public void Stream_up_to_the_minimum_size_is_one_chunk(int size)
    {
        var data = ChunkerTests.RandomBytes(size, seed: size);
        using var chunker = new StreamChunker(new MemoryStream(data), TestPolynomial);
        Assert.True(chunker.TryReadNext(out var chunk));
        using (chunk)
        {
            Assert.Equal(data, chunk.ToArray());
            Assert.Equal(1, chunk.SegmentCount);
        }

        Assert.False(chunker.TryReadNext(out _));
    }

    [Fact]
    public void Test_vector_gives_restics_chunk_lengths()
    {
        var data = ChunkerTests.TestVector();
        Assert.Equal(new[] { 1015968, 1087132, 693439, 2344058, 903280, 1709091, 635640 }, ChunksOf(new MemoryStream(data)).Select(c => c.Length));
    }

    [Fact]
    public void Zeros_and_repeated_patterns_cut_at_the_size_limits()
    {
        var zeros = new byte[3 * 1024 * 1024 + 100];
        Assert.Equal(new[] { 524288, 524288, 524288, 524288, 524288, 524288, 100 }, ChunksOf(new MemoryStream(zeros)).Select(c => c.Length));

        var pattern = new byte[20 * 1024 * 1024];
        for (var i = 0; i < pattern.Length; i++)
        {
            pattern[i] = (byte)(i % 64 * 7);
        }

        Assert.Equal(new[] { 8 * 1024 * 1024, 8 * 1024 * 1024, 4 * 1024 * 1024 }, ChunksOf(new MemoryStream(pattern)).Select(c => c.Length));
    }

    [Theory]
    [InlineData(100_003, 40 * 1024 * 1024)]
    [InlineData(3 * 1024 * 1024, 40 * 1024 * 1024)]
    [InlineData(17, 3 * 1024 * 1024)]
    public void Stream_returning_odd_sized_pieces_gives_the_same_chunks_as_feeding_FindCut(int maxPiece, int size)
    {
        var data = ChunkerTests.RandomBytes(size, seed: maxPiece);
        var expected = ChunkerTests.ChunkIds(TestPolynomial, data);
        Assert.True(expected.Count > 1);

        var chunks = ChunksOf(new TrickleStream(data, maxPiece, seed: 1));
        Assert.Equal(expected, chunks.Select(c => Convert.ToHexStringLower(SHA256.HashData(c))));
        Assert.Equal(data, chunks.SelectMany(c => c).ToArray());
    }

    [Fact]
    public void Chunks_are_segments_from_the_pool_that_go_back_when_disposed()
    {
        var data = ChunkerTests.RandomBytes(40 * 1024 * 1024, seed: 9);
        var expected = ChunkerTests.ChunkLengths(TestPolynomial, data);
        var pool = new CountingPool();
        var lengths = new List<int>();
        var position = 0;
        using (var chunker = new StreamChunker(new MemoryStream(data), TestPolynomial, pool))
        {
            while (chunker.TryReadNext(out var chunk))
            {
                using (chunk)
                {
                    // Every segment is full but the last, and together they hold exactly the chunk.
                    Assert.Equal((chunk.Length + SegmentedBuffer.SegmentSize - 1) / SegmentedBuffer.SegmentSize, chunk.SegmentCount);
                    Assert.True(chunk.ToArray().AsSpan().SequenceEqual(data.AsSpan(position, chunk.Length)));
                    position += chunk.Length;
                    lengths.Add(chunk.Length);

                    // Only the chunk handed out and the next one being read hold segments.
                    Assert.InRange(pool.Outstanding, chunk.SegmentCount, chunk.SegmentCount + 1);
                }
            }
        }

        Assert.Equal(expected, lengths);
        Assert.Equal(0, pool.Outstanding);
    }

    [Fact]
    public void Segments_hold_the_smallest_chunk_and_whole_AES_blocks()
    {
        Assert.Equal(Chunker.MinSize, SegmentedBuffer.SegmentSize);
        Assert.Equal(0, SegmentedBuffer.SegmentSize % 16);
    }

    [Fact]
    public void Reads_ask_for_the_rest_of_a_segment()
    {
        var stream = new TrickleStream(ChunkerTests.RandomBytes(30 * 1024 * 1024, seed: 2), maxPiece: 5 * 1024 * 1024, seed: 4);
        var chunks = ChunksOf(stream);
        // About one read per segment: each asks for the rest of the segment (short after a cut, which left part of
        // the next chunk in it), and this stream sometimes returns less than asked.
        Assert.InRange(stream.Reads, 30 * 2, 2 * ((30 * 2) + chunks.Count) + 1);
    }

    [Fact]
    public void Disposed_chunker_throws()
    {
        var chunker = new StreamChunker(new MemoryStream(new byte[10]), TestPolynomial);
        chunker.Dispose();
        chunker.Dispose();
        Assert.Throws<ObjectDisposedException>(() => chunker.TryReadNext(out _));
    }

    private static List<byte[]> ChunksOf(Stream stream)
    {
        using var chunker = new StreamChunker(stream, TestPolynomial);
        var chunks = new List<byte[]>();
        while (chunker.TryReadNext(out var chunk))
        {
            using (chunk)
            {
                chunks.Add(chunk.ToArray());
            }
        }

        return chunks;
    }

    /// <summary>A pool that counts the arrays out on loan.</summary>
    private sealed class CountingPool : System.Buffers.ArrayPool<byte>
    {
        public int Outstanding { get; private set; }

        public override byte[] Rent(int minimumLength)
        {
            Outstanding++;
            return new byte[minimumLength];
        }

        public override void Return(byte[] array, bool clearArray = false) => Outstanding--;
    }

    /// <summary>A read-only stream that returns between 1 and maxPiece bytes per Read, like a pipe or socket.</summary>
    private sealed class TrickleStream(byte[] data, int maxPiece, int seed) : Stream
    {
        private readonly Random _random = new(seed);
        private int _position;

        public int Reads { get; private set; }

        public int SmallestRequest { get; private set; } = int.MaxValue;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            Reads++;
            SmallestRequest = Math.Min(SmallestRequest, buffer.Length);
            var n = Math.Min(Math.Min(buffer.Length, _random.Next(1, maxPiece + 1)), data.Length - _position);
            data.AsSpan(_position, n).CopyTo(buffer);
            _position += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
