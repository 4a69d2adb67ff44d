using System.Text;
using Backup.Core.FileSystem;
using Backup.Core.Model;

namespace Backup.Core.Tests.Model;

public class NodeJsonTests
{
    // The complete observed node of format 9.2.
    private const string SmallTxt = """{"name":"small.txt","type":"file","mode":420,"mtime":"2026-11-21T20:08:24.25262715Z","atime":"2026-11-21T20:08:24.25262715Z","ctime":"2026-11-21T20:08:25.167378553Z","uid":0,"gid":0,"user":"root","group":"root","inode":11658374,"device_id":65024,"size":13,"links":2,"extended_attributes":[{"name":"user.comment","value":"aGVsbG8geGF0dHI="}],"content":["fbbd69198637d5360353c39796181175de6311c2a61abe2fe6392c938018660f"]}""";

    public static TheoryData<string> ObservedNodes()
    {
        var data = new TheoryData<string> { SmallTxt };
        foreach (var node in ResticTreeVectors.NodesOf(ResticTreeVectors.MixedTree))
        {
            data.Add(node);
        }

        foreach (var node in ResticTreeVectors.NodesOf(ResticTreeVectors.EscapesTree))
        {
            data.Add(node);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(ObservedNodes))]
    public void ObservedNodeIsReproducedByteForByte(string json)
    {
        var node = Node.Parse(Encoding.UTF8.GetBytes(json));

        Assert.Equal(json, Encoding.UTF8.GetString(node.ToJson()));
    }

    [Fact]
    public void ObservedFileNodeIsReproducedFromValues()
    {
        var node = new Node
        {
            Name = "small.txt",
            Type = NodeType.File,
            Mode = 420,
            ModTime = GoTime.Parse("2026-11-21T20:08:24.25262715Z"),
            AccessTime = GoTime.Parse("2026-11-21T20:08:24.25262715Z"),
            ChangeTime = GoTime.Parse("2026-11-21T20:08:25.167378553Z"),
            User = "root",
            Group = "root",
            Inode = 11658374,
            DeviceId = 65024,
            Size = 13,
            Links = 2,
            ExtendedAttributes = [new ExtendedAttribute("user.comment", Encoding.UTF8.GetBytes("hello xattr"))],
            Content = [Id.Parse("fbbd69198637d5360353c39796181175de6311c2a61abe2fe6392c938018660f")],
        };

        Assert.Equal(SmallTxt, Encoding.UTF8.GetString(node.ToJson()));
    }

    [Fact]
    public void ObservedDirectoryDeviceFifoAndSymlinkNodesAreReproducedFromValues()
    {
        var time = GoTime.Parse("2026-11-21T21:45:41.450560917Z");
        Node Make(string name, NodeType type, uint mode) => new()
        {
            Name = name, Type = type, Mode = mode, ModTime = time, AccessTime = time, ChangeTime = time,
            User = "root", Group = "root", DeviceId = 65024,
        };
        var sub = Make("sub", NodeType.Dir, GoFileMode.Dir | 0x1ED);
        sub.Inode = 11665702;
        sub.Subtree = Id.Parse("5f2fe24932211d6855c558f94cbd8f4e54ba8561925466c71fc3a2b0a6ddf550");
        var block = Make("blockdev1", NodeType.Dev, GoFileMode.FromUnixMode(0x61A4));
        block.Inode = 11665705;
        block.Links = 1;
        block.Device = 1992;
        var link = Make("link-to-small", NodeType.Symlink, GoFileMode.FromUnixMode(0xA1FF));
        link.Inode = 11665704;
        link.Links = 1;
        link.LinkTarget = "small.txt";

        var observed = ResticTreeVectors.NodesOf(ResticTreeVectors.MixedTree).ToList();
        Assert.Contains(Encoding.UTF8.GetString(sub.ToJson()), observed);
        Assert.Contains(Encoding.UTF8.GetString(block.ToJson()), observed);
        Assert.Contains(Encoding.UTF8.GetString(link.ToJson()), observed);
    }

    [Fact]
    public void EmptyValuesFollowRestics014OmitRules()
    {
        var node = new Node { Name = "x", Type = NodeType.Fifo };

        Assert.Equal(
            """{"name":"x","type":"fifo","mtime":"0001-01-01T00:00:00Z","atime":"0001-01-01T00:00:00Z","ctime":"0001-01-01T00:00:00Z","uid":0,"gid":0,"content":null}""",
            Encoding.UTF8.GetString(node.ToJson()));
    }

    [Fact]
    public void EmptyFileHasAnEmptyContentListAndEmptyListsAreOmitted()
    {
        var node = new Node { Name = "e", Type = NodeType.File, Content = [], ExtendedAttributes = [], User = string.Empty };

        Assert.EndsWith("\"uid\":0,\"gid\":0,\"content\":[]}", Encoding.UTF8.GetString(node.ToJson()), StringComparison.Ordinal);
    }

    [Fact]
    public void ErrorIsWrittenLastAfterSubtree()
    {
        var node = new Node { Name = "d", Type = NodeType.Dir, Subtree = Id.Hash("{\"nodes\":[]}\n"u8), Error = "<lost>" };

        Assert.EndsWith(
            "\"content\":null,\"subtree\":\"" + node.Subtree + "\",\"error\":\"\\u003clost\\u003e\"}",
            Encoding.UTF8.GetString(node.ToJson()),
            StringComparison.Ordinal);
    }

    [Fact]
    public void LinkTargetThatIsNotUtf8IsWrittenAsResticDoesPlusTheRawBytes()
    {
        var target = PathEncoding.Decode([(byte)'t', (byte)'g', (byte)'t', 0xff, 0xfe]);
        var node = new Node { Name = "badlink", Type = NodeType.Symlink, Links = 1, LinkTarget = target };

        var json = Encoding.UTF8.GetString(node.ToJson());

        Assert.Contains("\"links\":1,\"linktarget\":\"tgt\\ufffd\\ufffd\",\"linktarget_raw\":\"dGd0//4=\",\"content\":null", json, StringComparison.Ordinal);
        Assert.Equal(target, Node.Parse(node.ToJson()).LinkTarget);
    }

    [Fact]
    public void ValidLinkTargetHasNoRawCopy()
    {
        var node = new Node { Name = "l", Type = NodeType.Symlink, LinkTarget = "ünï/<x>" };

        Assert.DoesNotContain("linktarget_raw", Encoding.UTF8.GetString(node.ToJson()), StringComparison.Ordinal);
    }

    [Fact]
    public void LinkTargetFromRestic014KeepsItsReplacementEscapesAndRestoresAsResticDoes()
    {
        const string json = """{"name":"badlink","type":"symlink","mtime":"0001-01-01T00:00:00Z","atime":"0001-01-01T00:00:00Z","ctime":"0001-01-01T00:00:00Z","uid":0,"gid":0,"linktarget":"tgt\ufffd\ufffd","content":null}""";

        var node = Node.Parse(Encoding.UTF8.GetBytes(json));

        Assert.Equal("tgt" + GoJson.LostByte + GoJson.LostByte, node.LinkTarget);
        Assert.Equal("746774efbfbdefbfbd", Convert.ToHexStringLower(PathEncoding.Encode(node.LinkTarget!)));
        Assert.Equal(json, Encoding.UTF8.GetString(node.ToJson()));
    }

    [Fact]
    public void ARealReplacementCharacterStaysLiteral()
    {
        var node = Node.Parse("""{"name":"l","type":"symlink","linktarget":"a�\ufffd"}"""u8);

        Assert.Equal("a\ufffd" + GoJson.LostByte, node.LinkTarget);
        Assert.Contains("\"linktarget\":\"a\ufffd\\ufffd\"", Encoding.UTF8.GetString(node.ToJson()), StringComparison.Ordinal);
    }

    [Fact]
    public void JsonEscapesAreDecodedLikeGo()
    {
        var node = Node.Parse("""{"name":"a","type":"file","user":"\ud83d\ude00\u00e9\/\b\"\\","group":"x\ud800y"}"""u8);

        Assert.Equal("\U0001F600\u00e9/\b\"\\", node.User);
        Assert.Equal("x\ufffdy", node.Group);
    }

    [Fact]
    public void RawLinkTargetWinsOverTheTextOne()
    {
        var node = Node.Parse("""{"name":"l","type":"symlink","linktarget_raw":"dGd0//4=","linktarget":"tgt\ufffd\ufffd"}"""u8);

        Assert.Equal(new byte[] { 0x74, 0x67, 0x74, 0xff, 0xfe }, PathEncoding.Encode(node.LinkTarget!));
    }

    [Fact]
    public void NamesAreGoQuotedThenJsonEncoded()
    {
        var name = PathEncoding.Decode([.. "we\"ird\\back<>&\n"u8, 0xff]);
        var node = new Node { Name = name, Type = NodeType.File, Content = [] };

        var json = Encoding.UTF8.GetString(node.ToJson());

        Assert.StartsWith("""{"name":"we\\\"ird\\\\back\u003c\u003e\u0026\\n\\xff","type":"file",""", json, StringComparison.Ordinal);
        Assert.Equal(name, Node.Parse(node.ToJson()).Name);
    }

    [Fact]
    public void TimesWithYearsOutsideTheRangeAreClampedWhenWritten()
    {
        var year10000 = GoTime.Parse("9999-03-04T05:06:07Z").UnixSeconds + (366 * 86_400L);
        var node = new Node { Name = "future", Type = NodeType.File, ModTime = new GoTime(year10000, 0, 0) };

        Assert.Contains("\"mtime\":\"9999-03-04T05:06:07Z\"", Encoding.UTF8.GetString(node.ToJson()), StringComparison.Ordinal);
    }

    [Fact]
    public void KeysMatchCaseInsensitivelyAndUnknownKeysAreIgnored()
    {
        var node = Node.Parse("""{"NAME":"a","Type":"file","MTime":"2020-01-02T03:04:05Z","generic_attributes":{"x":[1,{"y":null}]},"UID":7,"\u017fize":3,"content":[]}"""u8);

        Assert.Equal("a", node.Name);
        Assert.Equal(GoTime.Parse("2020-01-02T03:04:05Z"), node.ModTime);
        Assert.Equal(7u, node.Uid);
        Assert.Equal(3ul, node.Size);
        Assert.Equal(GoTime.Zero, node.AccessTime);
        Assert.NotNull(node.Content);
        Assert.Empty(node.Content);
    }

    [Fact]
    public void NullLeavesValuesAtTheirDefaults()
    {
        var node = Node.Parse("""{"name":"a","type":"dir","mode":null,"mtime":null,"user":null,"content":null,"subtree":null}"""u8);

        Assert.Equal(0u, node.Mode);
        Assert.Equal(GoTime.Zero, node.ModTime);
        Assert.Null(node.User);
        Assert.Null(node.Content);
        Assert.Null(node.Subtree);
    }

    [Theory]
    [InlineData("""{"name":"we\"ird","type":"file"}""", "we\"ird")]
    [InlineData("""{"name":"ok","type":"door"}""", "door")]
    [InlineData("""{"name":"ok"}""", "no type")]
    [InlineData("""{"name":"ok","type":"file","mode":"644"}""", "mode")]
    [InlineData("""{"name":"ok","type":"file","uid":-1}""", "uid")]
    [InlineData("""{"name":"ok","type":"file","size":1.5}""", "size")]
    [InlineData("""{"name":"ok","type":"file","mtime":"yesterday"}""", "yesterday")]
    [InlineData("""{"name":"ok","type":"file","content":["abc"]}""", "abc")]
    [InlineData("""{"name":"ok","type":"file","extended_attributes":[{"name":"n","value":"!!"}]}""", "extended_attributes.value")]
    public void InvalidNodesAreRejectedNamingTheProblem(string json, string named)
    {
        var e = Assert.Throws<FormatException>(() => Node.Parse(Encoding.UTF8.GetBytes(json)));

        Assert.Contains(named, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EveryAsciiCharacterInANameSurvivesWritingAndReading()
    {
        // Plain names take a shortcut both ways; the others are quoted for Go and for JSON.
        foreach (var c in Enumerable.Range(0, 128).Select(c => (char)c).Concat(['\u00e9', '\uE000']))
        {
            var name = "a" + c + "b";
            var json = new Node { Name = name, Type = NodeType.File, Content = [] }.ToJson();
            Assert.Equal(name, Node.Parse(json).Name);
            if (GoQuote.IsPlain(name))
            {
                Assert.StartsWith("{\"name\":\"" + name + "\"", Encoding.UTF8.GetString(json), StringComparison.Ordinal);
            }
        }

        var notUtf8 = PathEncoding.Decode([0x61, 0xff]);
        Assert.Equal(notUtf8, Node.Parse(new Node { Name = notUtf8, Type = NodeType.File, Content = [] }.ToJson()).Name);
    }
}
