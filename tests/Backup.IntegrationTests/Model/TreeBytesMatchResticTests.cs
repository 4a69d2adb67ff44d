using System.Text;
using System.Text.Json;
using Backup.Core.FileSystem;
using Backup.Core.Model;
using Backup.IntegrationTests.Infrastructure;

namespace Backup.IntegrationTests.Model;

/// <summary>
/// The real restic 0.14 backs up a directory of awkward entries; every tree blob and snapshot it wrote must
/// read and re-serialize to exactly its bytes, and its nodes must describe the files as lstat sees them.
/// </summary>
public sealed class TreeBytesMatchResticTests(ResticBackupFixture fixture) : IClassFixture<ResticBackupFixture>
{
    private ResticBackup Backup => fixture.Backup;

    [RequiresToolFact("restic", "python3")]
    public void EveryTreeBlobReserializesToTheSameBytesAndId()
    {
        // root, sub, sub/deeper and the empty tree shared by the three empty directories
        Assert.Equal(4, Backup.TreeBlobs.Count);
        Assert.Contains(Id.Hash("{\"nodes\":[]}\n"u8), Backup.TreeBlobs.Keys);
        foreach (var (id, bytes) in Backup.TreeBlobs)
        {
            Assert.Equal(id, Id.Hash(bytes));

            var serialized = Tree.Parse(bytes).Serialize();

            Assert.Equal(Encoding.UTF8.GetString(bytes), Encoding.UTF8.GetString(serialized));
            Assert.Equal(id, Id.Hash(serialized));
        }
    }

    [RequiresToolFact("restic", "python3")]
    public void TreesRebuiltFromParsedValuesGiveTheSameIds()
    {
        foreach (var (id, bytes) in Backup.TreeBlobs)
        {
            // Copy every node into a fresh object in reverse order, so only values and sorting are tested.
            var parsed = Tree.Parse(bytes).Nodes;
            var rebuilt = new Tree(parsed.AsEnumerable().Reverse().Select(Copy));

            Assert.Equal(id, Id.Hash(rebuilt.Serialize()));
        }
    }

    [RequiresToolFact("restic", "python3")]
    public void EveryEntryOnDiskIsANodeWithItsRawName()
    {
        var onDisk = Backup.Lstat.Keys.Where(k => !IsSocket(Backup.Lstat[k])).Order(StringComparer.Ordinal);

        Assert.Equal(onDisk, Backup.Nodes.Keys.Order(StringComparer.Ordinal));
    }

    [RequiresToolFact("restic", "python3")]
    public void NodeMetadataMatchesLstatThroughTheModelConversions()
    {
        foreach (var (path, node) in Backup.Nodes)
        {
            var st = Backup.Lstat[path];
            var what = PathEncoding.Decode(Convert.FromHexString(path));
            var stMode = st.GetProperty("mode").GetUInt32();
            var mtime = GoTime.FromTimespec(ToTimespec(st.GetProperty("mtime").GetInt64()), TimeZoneInfo.Utc);

            Assert.True(GoFileMode.FromUnixMode(stMode) == node.Mode, $"{what}: mode {node.Mode}");
            Assert.True(ExpectedType(stMode) == node.Type, $"{what}: type {node.Type}");
            Assert.True(mtime == node.ModTime, $"{what}: mtime {node.ModTime}, lstat {mtime}");
            Assert.True(mtime == node.AccessTime, $"{what}: atime {node.AccessTime}");
            Assert.Equal(GoTime.FromTimespec(ToTimespec(st.GetProperty("ctime").GetInt64()), TimeZoneInfo.Utc), node.ChangeTime);
            Assert.Equal(st.GetProperty("ino").GetUInt64(), node.Inode);
            Assert.Equal(st.GetProperty("dev").GetUInt64(), node.DeviceId);
            Assert.Equal(st.GetProperty("uid").GetUInt32(), node.Uid);
            Assert.Equal(st.GetProperty("gid").GetUInt32(), node.Gid);
            Assert.Equal(node.Type == NodeType.File ? st.GetProperty("size").GetUInt64() : 0, node.Size);
            Assert.Equal(node.Type is NodeType.Dir or NodeType.Fifo ? 0 : st.GetProperty("nlink").GetUInt64(), node.Links);
            Assert.Equal(node.Type is NodeType.Dev or NodeType.Chardev ? st.GetProperty("rdev").GetUInt64() : 0, node.Device);
            Assert.Equal(node.Type == NodeType.File, node.Content is not null);
            Assert.Equal(node.Type == NodeType.Dir, node.Subtree is not null);
        }
    }

    [RequiresToolFact("restic", "python3")]
    public void SnapshotJsonRoundTrips()
    {
        // The first backup, and the second one as rewritten by `restic tag`.
        Assert.Equal(2, Backup.SnapshotTexts.Count);
        foreach (var indented in Backup.SnapshotTexts)
        {
            // `restic cat snapshot` re-marshals with indentation; without it the bytes are json.Marshal's.
            var compact = Compact(indented);

            var snapshot = Snapshot.Parse(Encoding.UTF8.GetBytes(indented));

            Assert.Equal(compact, Encoding.UTF8.GetString(snapshot.ToJson()));
        }

        var all = Backup.SnapshotTexts.Select(t => Snapshot.Parse(Encoding.UTF8.GetBytes(t))).ToList();
        Assert.Contains(all, s => s.Parent is not null && s.Original is not null && s.Tags!.SequenceEqual(["newtag"]));
        Assert.Contains(all, s => s.Hostname == "probe&host" && s.Excludes!.SequenceEqual(["*.tmp"]) && s.Tags!.SequenceEqual(["t1", "a<b"]));
        Assert.All(all, s => Assert.Equal(Backup.RootTree, s.Tree));
    }

    [RequiresToolFact("restic", "python3")]
    public void Restic014WritesReplacementEscapesForALinkTargetThatIsNotUtf8()
    {
        var rootText = Backup.TreeText(Backup.RootTree);
        var badlink = Backup.Nodes[Hex("badlink")];

        // Go 1.19's encoder writes one \ufffd per bad byte, and 0.14 has no linktarget_raw.
        Assert.Contains("\"links\":1,\"linktarget\":\"tgt\\ufffd\\ufffd\",\"content\":null}", rootText, StringComparison.Ordinal);
        Assert.DoesNotContain("linktarget_raw", rootText, StringComparison.Ordinal);
        Assert.Equal("tgt" + GoJson.LostByte + GoJson.LostByte, badlink.LinkTarget);

        // restic restores the replacement characters as UTF-8, which is what the lost bytes encode to.
        var restored = ProcessRunner.Run("python3", ["-c", "import os,sys; print(os.readlink(os.fsencode(sys.argv[1])).hex())", Path.Combine(Backup.RestoredDirectory, "badlink")]);
        Assert.Equal(Convert.ToHexStringLower(PathEncoding.Encode(badlink.LinkTarget!)), restored.StdOut.Trim());
        Assert.Equal("746774efbfbdefbfbd", restored.StdOut.Trim());
    }

    [RequiresToolFact("restic", "python3")]
    public void OurLinkTargetForTheSameSymlinkKeepsTheRawBytes()
    {
        var restic014 = Backup.Nodes[Hex("badlink")];
        var ours = Copy(restic014);
        ours.LinkTarget = PathEncoding.Decode([.. "tgt"u8, 0xff, 0xfe]);

        var json = Encoding.UTF8.GetString(ours.ToJson());

        Assert.Contains("\"linktarget\":\"tgt\\ufffd\\ufffd\",\"linktarget_raw\":\"dGd0//4=\",\"content\":null", json, StringComparison.Ordinal);
        Assert.Equal(Encoding.UTF8.GetString(restic014.ToJson()), json.Replace(",\"linktarget_raw\":\"dGd0//4=\"", string.Empty, StringComparison.Ordinal));
    }

    [RequiresToolFact("restic", "python3")]
    public void Restic014EscapesCodePointsNewerThanUnicode13InNames()
    {
        var rootText = Backup.TreeText(Backup.RootTree);

        Assert.Contains("\"name\":\"emo\\\\U0001fae0ji\"", rootText, StringComparison.Ordinal);
        Assert.Contains("\"name\":\"ar\\\\u061dx\"", rootText, StringComparison.Ordinal);
        Assert.Contains("\"name\":\"cjk\\\\U0002a6dex\"", rootText, StringComparison.Ordinal);
        Assert.Contains("\"name\":\"cjk\U0002A6DDx\"", rootText, StringComparison.Ordinal);
        Assert.Contains("\"name\":\"ctl\\\\x01\\\\x1f\\\\a\\\\b\\\\f\\\\v\\\\r\"", rootText, StringComparison.Ordinal);
    }

    [RequiresToolFact("restic", "python3")]
    public void Restic014WritesEmptyXattrValuesAsEmptyStringsAndSkipsSockets()
    {
        var rootText = Backup.TreeText(Backup.RootTree);

        Assert.Contains("\"extended_attributes\":[{\"name\":\"user.empty\",\"value\":\"\"},{\"name\":\"user.bad\\ufffd\",\"value\":\"dg==\"}]", rootText, StringComparison.Ordinal);
        Assert.DoesNotContain("sock1", rootText, StringComparison.Ordinal);
        var xattr = Assert.Single(Backup.Nodes[Hex("sub")].ExtendedAttributes!);
        Assert.Equal("user.dirattr", xattr.Name);
        Assert.Equal("\0\u0001binary"u8.ToArray(), xattr.Value);
    }

    [RequiresToolFact("restic", "python3")]
    public void TreesAreSortedByRawBytesSoFindWorks()
    {
        foreach (var bytes in Backup.TreeBlobs.Values)
        {
            var tree = Tree.Parse(bytes);
            var raw = tree.Nodes.Select(n => PathEncoding.Encode(n.Name)).ToList();
            for (var i = 1; i < raw.Count; i++)
            {
                Assert.True(raw[i - 1].AsSpan().SequenceCompareTo(raw[i]) < 0);
            }

            Assert.All(tree.Nodes, n => Assert.Same(n, tree.Find(n.Name)));
        }
    }

    private static Node Copy(Node n) => new()
    {
        Name = n.Name, Type = n.Type, Mode = n.Mode, ModTime = n.ModTime, AccessTime = n.AccessTime,
        ChangeTime = n.ChangeTime, Uid = n.Uid, Gid = n.Gid, User = n.User, Group = n.Group, Inode = n.Inode,
        DeviceId = n.DeviceId, Size = n.Size, Links = n.Links, LinkTarget = n.LinkTarget,
        ExtendedAttributes = n.ExtendedAttributes?.Select(x => new ExtendedAttribute(x.Name, [.. x.Value])).ToList(),
        Device = n.Device, Content = n.Content?.ToList(), Subtree = n.Subtree, Error = n.Error,
    };

    private static Timespec ToTimespec(long nanoseconds)
    {
        var seconds = Math.DivRem(nanoseconds, 1_000_000_000, out var rest);
        return rest < 0 ? new Timespec(seconds - 1, (uint)(rest + 1_000_000_000)) : new Timespec(seconds, (uint)rest);
    }

    private static NodeType ExpectedType(uint stMode) => (stMode & 0xF000) switch
    {
        0x4000 => NodeType.Dir,
        0xA000 => NodeType.Symlink,
        0x6000 => NodeType.Dev,
        0x2000 => NodeType.Chardev,
        0x1000 => NodeType.Fifo,
        0xC000 => NodeType.Socket,
        _ => NodeType.File,
    };

    private static bool IsSocket(JsonElement st) => (st.GetProperty("mode").GetUInt32() & 0xF000) == 0xC000;

    private static string Hex(string name) => Convert.ToHexStringLower(Encoding.UTF8.GetBytes(name));

    /// <summary>Removes the indentation Go's MarshalIndent adds: whitespace outside strings.</summary>
    private static string Compact(string json)
    {
        var b = new StringBuilder(json.Length);
        var inString = false;
        for (var i = 0; i < json.Length; i++)
        {
            var c = json[i];
            if (inString)
            {
                b.Append(c);
                if (c == '\\')
                {
                    b.Append(json[++i]);
                }
                else if (c == '"')
                {
                    inString = false;
                }
            }
            else if (c == '"')
            {
                inString = true;
                b.Append(c);
            }
            else if (!char.IsWhiteSpace(c))
            {
                b.Append(c);
            }
        }

        return b.ToString();
    }
}
