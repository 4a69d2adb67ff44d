using System.Buffers;
using System.Security.Cryptography;
using Backup.Core.Buffers;

namespace Backup.Core.Tests.Buffers;

public class SegmentedBufferTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(SegmentedBuffer.SegmentSize)]
    [InlineData(SegmentedBuffer.SegmentSize + 1)]
    [InlineData((3 * SegmentedBuffer.SegmentSize) + 12345)]
    public void Bytes_hash_and_copy_as_one_piece(int length)
    {
        var bytes = RandomNumberGenerator.GetBytes(length);
        using var buffer = Segmented.From(bytes);

        Assert.Equal(length, buffer.Length);
        Assert.Equal((length + SegmentedBuffer.SegmentSize - 1) / SegmentedBuffer.SegmentSize, buffer.SegmentCount);
        Assert.Equal(bytes, buffer.ToArray());
        var digest = new byte[32];
        buffer.ComputeSha256(digest);
        Assert.Equal(SHA256.HashData(bytes), digest);
    }

    [Fact]
    public void Shortening_returns_the_segments_past_the_end_and_dispose_returns_the_rest()
    {
        var pool = new CountingPool();
        var buffer = new SegmentedBuffer(pool);
        for (var i = 0; i < 4; i++)
        {
            buffer.AddSegment();
        }

        buffer.SetLength(SegmentedBuffer.SegmentSize + 1);
        Assert.Equal(2, buffer.SegmentCount);
        Assert.Equal(2, pool.Outstanding);
        Assert.Equal(1, buffer.Segment(1).Length);

        buffer.Dispose();
        buffer.Dispose();
        Assert.Equal(0, pool.Outstanding);
        Assert.Equal(0, buffer.Length);
    }

    [Fact]
    public void Length_beyond_the_segments_is_refused()
    {
        using var buffer = new SegmentedBuffer(ArrayPool<byte>.Shared);
        buffer.AddSegment();
        Assert.Throws<ArgumentOutOfRangeException>(() => buffer.SetLength(SegmentedBuffer.SegmentSize + 1));
    }

    private sealed class CountingPool : ArrayPool<byte>
    {
        public int Outstanding { get; private set; }

        public override byte[] Rent(int minimumLength)
        {
            Outstanding++;
            return new byte[minimumLength];
        }

        public override void Return(byte[] array, bool clearArray = false) => Outstanding--;
    }
}
