using System.Buffers;
using System.Security.Cryptography;
using Backup.Core.Buffers;
using Backup.Core.Compression;
using Backup.Core.Tests.Buffers;

namespace Backup.Core.Tests.Compression;

public class ZstdCodecTests
{
    [Fact]
    public void Round_trip_of_compressible_data_shrinks_it()
    {
        var data = System.Text.Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("backup log line 42\n", 10_000)));
        var compressed = ZstdCodec.Compress(data);
        Assert.True(compressed.Length < data.Length / 10);
        Assert.Equal(data, ZstdCodec.Decompress(compressed));
    }

    [Fact]
    public void Two_concatenated_frames_decompress_to_both_parts()
    {
        var a = ZstdCodec.Compress("hello "u8);
        var b = ZstdCodec.Compress("world"u8);
        Assert.Equal("hello world"u8.ToArray(), ZstdCodec.Decompress([.. a, .. b]));
    }

    [Fact]
    public void Frames_from_the_zstd_command_line_tool_are_read()
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, "data from the zstd tool");
            var psi = new System.Diagnostics.ProcessStartInfo("zstd", ["-q", "-f", "-19", "--no-check", file, "-o", file + ".zst"]);
            System.Diagnostics.Process.Start(psi)!.WaitForExit();
            Assert.Equal("data from the zstd tool"u8.ToArray(), ZstdCodec.Decompress(File.ReadAllBytes(file + ".zst")));
        }
        finally
        {
            File.Delete(file);
            File.Delete(file + ".zst");
        }
    }

    [Theory]
    [InlineData(1000)]
    [InlineData(SegmentedBuffer.SegmentSize)]
    [InlineData((5 * SegmentedBuffer.SegmentSize) + 77)]
    public void Segmented_compression_gives_one_frame_with_the_content_size(int length)
    {
        var data = System.Text.Encoding.ASCII.GetBytes(string.Concat(Enumerable.Range(0, (length / 10) + 1).Select(i => $"line {i % 1000,6} ok\n")))[..length];
        using var source = Segmented.From(data);
        using var compressed = new SegmentedBuffer(ArrayPool<byte>.Shared);

        var n = ZstdCodec.Compress(source, compressed, limit: length - 1);

        Assert.Equal(compressed.Length, n);
        Assert.InRange(n, 1, length / 4);
        Assert.Equal(data, ZstdCodec.Decompress(compressed.ToArray()));
    }

    [Fact]
    public void Segmented_compression_gives_up_when_the_output_passes_the_limit()
    {
        var data = RandomNumberGenerator.GetBytes((3 * SegmentedBuffer.SegmentSize) + 5);
        using var source = Segmented.From(data);
        using var compressed = new SegmentedBuffer(ArrayPool<byte>.Shared);

        Assert.Equal(-1, ZstdCodec.Compress(source, compressed, limit: data.Length - 1));
        Assert.Equal(0, compressed.Length);
        Assert.Equal(0, compressed.SegmentCount);

        // The context it used is fine for the next caller.
        var text = System.Text.Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("again and again ", 1000)));
        using var next = Segmented.From(text);
        Assert.InRange(ZstdCodec.Compress(next, compressed, limit: text.Length - 1), 1, text.Length / 10);
        Assert.Equal(text, ZstdCodec.Decompress(compressed.ToArray()));
    }

    [Fact]
    public void Corrupt_data_throws_invalid_data()
    {
        var compressed = ZstdCodec.Compress(new byte[1000]);
        compressed[^3] ^= 0xff;
        Assert.Throws<InvalidDataException>(() => ZstdCodec.Decompress(compressed, new byte[1000]));
    }
}
