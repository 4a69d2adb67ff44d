using Backup.Core.Compression;

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

    [Fact]
    public void Corrupt_data_throws_invalid_data()
    {
        var compressed = ZstdCodec.Compress(new byte[1000]);
        compressed[^3] ^= 0xff;
        Assert.Throws<InvalidDataException>(() => ZstdCodec.Decompress(compressed, new byte[1000]));
    }
}
