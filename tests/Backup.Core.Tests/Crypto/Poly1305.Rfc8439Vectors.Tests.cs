using System.Text;
using Backup.Core.Crypto;

namespace Backup.Core.Tests.Crypto;

public class Poly1305Rfc8439VectorTests
{
    private static byte[] Tag(byte[] key, byte[] message)
    {
        var tag = new byte[16];
        Poly1305.ComputeTag(key, message, tag);
        return tag;
    }

    [Fact]
    public void Section_2_5_2_example_gives_the_published_tag()
    {
        var key = ResticVector.Hex("85:d6:be:78:57:55:6d:33:7f:44:52:fe:42:d5:06:a8:01:03:80:8a:fb:0d:b2:fd:4a:bf:f6:af:41:49:f5:1b");
        var message = Encoding.ASCII.GetBytes("Cryptographic Forum Research Group");

        Assert.Equal(ResticVector.Hex("a8:06:1d:c1:30:51:36:c6:c2:2b:8b:af:0c:01:27:a9"), Tag(key, message));
    }

    [Fact]
    public void Appendix_A3_vector_4_with_a_partial_last_block()
    {
        var key = ResticVector.Hex("1c9240a5eb55d38af333888604f6b5f0473917c1402b80099dca5cbc207075c0");
        var message = Encoding.ASCII.GetBytes(
            "'Twas brillig, and the slithy toves\nDid gyre and gimble in the wabe:\nAll mimsy were the borogoves,\nAnd the mome raths outgrabe.");

        Assert.Equal(127, message.Length);
        Assert.Equal(ResticVector.Hex("4541669a7eaaee61e708dc7cbcc5eb62"), Tag(key, message));
    }

    [Theory]
    [InlineData( // A.3 #5: h reaches p exactly, so the final reduction matters.
        "0200000000000000000000000000000000000000000000000000000000000000",
        "ffffffffffffffffffffffffffffffff",
        "03000000000000000000000000000000")]
    [InlineData( // A.3 #6: adding s overflows 128 bits.
        "02000000000000000000000000000000ffffffffffffffffffffffffffffffff",
        "02000000000000000000000000000000",
        "03000000000000000000000000000000")]
    [InlineData( // A.3 #7: carries across limbs.
        "0100000000000000000000000000000000000000000000000000000000000000",
        "fffffffffffffffffffffffffffffffff0ffffffffffffffffffffffffffffff11000000000000000000000000000000",
        "05000000000000000000000000000000")]
    [InlineData( // A.3 #8: the result reduces to zero.
        "0100000000000000000000000000000000000000000000000000000000000000",
        "fffffffffffffffffffffffffffffffffbfefefefefefefefefefefefefefefe01010101010101010101010101010101",
        "00000000000000000000000000000000")]
    public void Appendix_A3_edge_vectors(string key, string message, string tag)
    {
        Assert.Equal(Convert.FromHexString(tag), Tag(Convert.FromHexString(key), Convert.FromHexString(message)));
    }

    [Fact]
    public void Empty_message_tag_is_s()
    {
        // With no blocks the accumulator stays 0, so the tag is s: checks that an empty update is handled.
        var key = ResticVector.Hex("85d6be7857556d337f4452fe42d506a8 0103808afb0db2fd4abff6af4149f51b");

        Assert.Equal(ResticVector.Hex("0103808afb0db2fd4abff6af4149f51b"), Tag(key, []));
    }

    [Fact]
    public void Wrong_key_length_is_refused()
    {
        Assert.Throws<ArgumentException>(() => Poly1305.ComputeTag(new byte[16], [1, 2, 3], new byte[16]));
    }
}
