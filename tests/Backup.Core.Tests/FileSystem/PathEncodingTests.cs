using Backup.Core.FileSystem;

namespace Backup.Core.Tests.FileSystem;

public class PathEncodingTests
{
    [Theory]
    [InlineData(new byte[] { 0x61, 0x62 })]
    [InlineData(new byte[] { 0x6e, 0xff, 0xfe })]
    [InlineData(new byte[] { 0xc3, 0xbc, 0x80 })]
    [InlineData(new byte[] { 0xed, 0xb2, 0x80 })] // UTF-8 encoding of a surrogate: invalid, escaped byte by byte
    [InlineData(new byte[] { 0xf0, 0x9f, 0x98, 0x80, 0xc3 })]
    public void Decode_then_encode_gives_back_the_same_bytes(byte[] name)
    {
        var decoded = PathEncoding.Decode(name);
        Assert.Equal(name, PathEncoding.Encode(decoded));
    }

    [Fact]
    public void Invalid_bytes_become_lone_surrogates_and_valid_text_stays_text()
    {
        var decoded = PathEncoding.Decode(new byte[] { 0x61, 0xff, 0x62 });
        Assert.Equal("a\uDCFFb", decoded);
        Assert.Equal("ünï", PathEncoding.Decode("ünï"u8));
    }
}
