using System.Text;
using Backup.Core.FileSystem;
using Backup.Core.Model;

namespace Backup.Core.Tests.Model;

public class TreeTests
{
    [Fact]
    public void EmptyTreeIsThe13BytesResticWrites()
    {
        var bytes = new Tree().Serialize();

        Assert.Equal("{\"nodes\":[]}\n", Encoding.UTF8.GetString(bytes));
        Assert.Equal(13, bytes.Length);
    }

    [Theory]
    [InlineData(nameof(ResticTreeVectors.MixedTree))]
    [InlineData(nameof(ResticTreeVectors.EscapesTree))]
    public void ResticTreeIsReproducedByteForByteWithItsId(string vector)
    {
        var (text, id) = vector == nameof(ResticTreeVectors.MixedTree)
            ? (ResticTreeVectors.MixedTree, ResticTreeVectors.MixedTreeId)
            : (ResticTreeVectors.EscapesTree, ResticTreeVectors.EscapesTreeId);
        var bytes = Encoding.UTF8.GetBytes(text);
        Assert.Equal(id, Id.Hash(bytes).ToString());

        var serialized = Tree.Parse(bytes).Serialize();

        Assert.Equal(text, Encoding.UTF8.GetString(serialized));
        Assert.Equal(id, Id.Hash(serialized).ToString());
    }

    [Fact]
    public void ParsedNamesAreTheRawNames()
    {
        var tree = Tree.Parse(Encoding.UTF8.GetBytes(ResticTreeVectors.MixedTree));

        Assert.Equal("fffe", Convert.ToHexStringLower(PathEncoding.Encode(tree.Nodes.Single(n => n.Name.StartsWith("nonutf8-", StringComparison.Ordinal)).Name)[8..]));
        Assert.Contains(tree.Nodes, n => n.Name == "new\nline");
        Assert.Contains(tree.Nodes, n => n.Name == "we\"ird\\back<>&.txt");
        Assert.Contains(tree.Nodes, n => n.Name == "ünïcödé 日本.txt");
        Assert.Equal(2, tree.Nodes.Single(n => n.Name == "big.bin").Content!.Count);
    }

    [Fact]
    public void SerializeSortsByUtf8BytesNotByUtf16()
    {
        const string supplementary = "\U00010000";   // UTF-16 D800 DC00, UTF-8 F0 90 80 80
        const string privateUse = "\uE000";          // UTF-16 E000, UTF-8 EE 80 80
        var notUtf8 = PathEncoding.Decode([0xff]);   // UTF-16 DCFF, raw byte FF
        Assert.True(string.CompareOrdinal(supplementary, privateUse) < 0);
        Assert.True(string.CompareOrdinal(notUtf8, privateUse) < 0);
        var tree = new Tree([File(notUtf8), File(supplementary), File("b"), File(privateUse), File("a")]);

        var bytes = tree.Serialize();

        string[] expected = ["a", "b", privateUse, supplementary, notUtf8];
        Assert.Equal(expected, tree.Nodes.Select(n => n.Name));
        Assert.Equal(expected, Tree.Parse(bytes).Nodes.Select(n => n.Name));
    }

    [Fact]
    public void SortingIsByBytesSoAPrefixComesFirst()
    {
        var tree = new Tree([File("ab"), File("a"), File("B"), File("a b")]);

        tree.Serialize();

        Assert.Equal(["B", "a", "a b", "ab"], tree.Nodes.Select(n => n.Name));
    }

    [Fact]
    public void DuplicateNamesAreRefused()
    {
        var tree = new Tree([File("same"), File("other"), File("same")]);

        var e = Assert.Throws<InvalidOperationException>(() => tree.Serialize());
        Assert.Contains("same", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EmptyNamesAreRefused()
    {
        Assert.Throws<InvalidOperationException>(() => new Tree([File(string.Empty)]).Serialize());
    }

    [Fact]
    public void FindUsesRawByteOrder()
    {
        var tree = Tree.Parse(Encoding.UTF8.GetBytes(ResticTreeVectors.MixedTree));

        foreach (var node in tree.Nodes)
        {
            Assert.Same(node, tree.Find(node.Name));
        }

        Assert.NotNull(tree.Find(PathEncoding.Decode([.. "nonutf8-"u8, 0xff, 0xfe])));
        Assert.Null(tree.Find("missing"));
        Assert.Null(tree.Find("a"));
        Assert.Null(tree.Find("zzz"));
        Assert.Null(new Tree().Find("a"));
    }

    [Fact]
    public void FindMixesAsciiAndOtherNamesInByteOrder()
    {
        // UTF-16 puts the supplementary character before U+E000 and UTF-8 after it; ASCII names sit between.
        string[] names = ["A", "a", "a\uE000", "a\U0001F600", "ab", "b", "\uE000", "\U0001F600", "~", PathEncoding.Decode([0x7e, 0xff])];
        var tree = Tree.Parse(new Tree([.. names.Reverse().Select(File)]).Serialize());

        foreach (var name in names)
        {
            Assert.Equal(name, tree.Find(name)?.Name);
        }

        foreach (var absent in new[] { "0", "B", "a\u00e9", "aa", "c", "\uE001", "\U0001F601", "~~" })
        {
            Assert.Null(tree.Find(absent));
        }
    }

    [Fact]
    public void ParseIsTolerantLikeGo()
    {
        var tree = Tree.Parse("""{"Nodes":[{"name":"a","type":"file","content":[]}],"extra":{"nodes":1}}"""u8);

        Assert.Equal("a", Assert.Single(tree.Nodes).Name);
        Assert.Empty(Tree.Parse("""{"nodes":null}"""u8).Nodes);
        Assert.Empty(Tree.Parse(" {} \n"u8).Nodes);
    }

    [Theory]
    [InlineData("""{"nodes":[""", "malformed")]
    [InlineData("""{"nodes":[]}x""", "malformed")]
    [InlineData("""[]""", "object")]
    [InlineData("""{"nodes":{}}""", "nodes")]
    [InlineData("""{"nodes":[null]}""", "tree node 0")]
    [InlineData("""{"nodes":[{"name":"a","type":"file"},{"name":"b\\xzz","type":"file"}]}""", "tree node 1 \"b\\xzz\"")]
    [InlineData("""{"nodes":[{"name":"a","type":"file"},{"type":"file","mode":-1,"name":"c"}]}""", "tree node 1: field \"mode\"")]
    public void InvalidTreesAreRejectedNamingTheProblem(string json, string named)
    {
        var e = Assert.Throws<FormatException>(() => Tree.Parse(Encoding.UTF8.GetBytes(json)));

        Assert.Contains(named, e.Message, StringComparison.Ordinal);
    }

    private static Node File(string name) => new() { Name = name, Type = NodeType.File, Content = [] };
}
