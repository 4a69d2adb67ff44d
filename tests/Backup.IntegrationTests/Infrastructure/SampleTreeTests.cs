using Backup.Core.FileSystem;
using Backup.Linux.FileSystem;

namespace Backup.IntegrationTests.Infrastructure;

/// <summary>
/// The fixtures of the oracle tests checked against coreutils: a sample tree copied by <c>cp -a</c> compares
/// equal, and each kind of damage to the copy is reported at the damaged path.
/// </summary>
public sealed class SampleTreeTests : IDisposable
{
    private readonly LinuxFileSystem fs = new();
    private readonly string temp = Directory.CreateTempSubdirectory("backup-sample-tree-").FullName;

    private string Expected => temp + "/expected";

    private string Actual => temp + "/actual";

    public void Dispose()
    {
        // rm copes with the names that are not UTF-8, which Directory.Delete cannot address.
        ProcessRunner.Run("rm", ["-rf", "--", temp]);
    }

    [RequiresRootFact("cp")]
    public void The_tree_holds_every_kind_of_entry()
    {
        var tree = SampleTree.Create(Expected, seed: 1);

        var kinds = new HashSet<FileKind>();
        var count = Walk(Expected, "", (relative, status) => kinds.Add(status.Kind));
        Assert.Equal(Enum.GetValues<FileKind>().ToHashSet(), kinds);
        Assert.True(count > 100, $"only {count} entries");
        Assert.True(tree.IsPrivileged);

        var sparse = fs.LStat(tree.PathOf(SampleTree.SparseFile));
        Assert.Equal(SampleTree.SparseFileSize, sparse.Size);
        Assert.InRange(sparse.AllocatedBytes, 192 * 1024, 1024 * 1024);
        Assert.Equal(SampleTree.HalfRandomFileSize, fs.LStat(tree.PathOf(SampleTree.HalfRandomFile)).Size);
        Assert.Equal(0, fs.LStat(tree.PathOf(SampleTree.EmptyFile)).Size);
        Assert.Equal(FileKind.Directory, fs.LStat(tree.PathOf(SampleTree.DeepestDirectory)).Kind);
        Assert.Empty(fs.ReadDirectory(tree.PathOf(SampleTree.EmptyDirectory)));

        var inodes = SampleTree.HardLinkGroup.Select(p => fs.LStat(tree.PathOf(p))).ToList();
        Assert.Single(inodes.Select(s => s.Inode).Distinct());
        Assert.All(inodes, s => Assert.Equal(3UL, s.Links));

        Assert.Equal(DeviceNumber.Make(7, 200), fs.LStat(tree.PathOf(SampleTree.BlockDevice)).RDev);
        Assert.Equal(DeviceNumber.Make(1, 3), fs.LStat(tree.PathOf(SampleTree.CharDevice)).RDev);
        Assert.Equal(0x9EDu, fs.LStat(tree.PathOf(SampleTree.SetuidFile)).Permissions); // 04755
        Assert.Equal(0x3FFu, fs.LStat(tree.PathOf(SampleTree.StickyDirectory)).Permissions); // 01777
        Assert.Equal((SampleTree.NobodyId, SampleTree.NobodyId), Owner(tree.PathOf(SampleTree.NobodyFile)));
        Assert.Equal((SampleTree.UnnamedId, SampleTree.UnnamedId), Owner(tree.PathOf(SampleTree.NumericOwnerFile)));
        Assert.Null(fs.UserName(SampleTree.UnnamedId));
        Assert.Equal("../" + SampleTree.SmallFile, fs.ReadLink(tree.PathOf(SampleTree.RelativeSymlink)));
        Assert.StartsWith("/", fs.ReadLink(tree.PathOf(SampleTree.AbsoluteSymlink)), StringComparison.Ordinal);

        Assert.Contains(fs.ReadExtendedAttributes(tree.PathOf(SampleTree.AclFile)), a => a.Name == "system.posix_acl_access");
        var directoryAcls = fs.ReadExtendedAttributes(tree.PathOf(SampleTree.AclDirectory)).Select(a => a.Name).ToList();
        Assert.Contains("system.posix_acl_access", directoryAcls);
        Assert.Contains("system.posix_acl_default", directoryAcls);
        var binary = fs.ReadExtendedAttributes(tree.PathOf(SampleTree.BinaryAttributeFile)).Single(a => a.Name == "user.binary");
        Assert.Contains((byte)0, binary.Value);

        var names = fs.ReadDirectory(tree.PathOf(SampleTree.NamesDirectory)).Select(PathEncoding.Encode).Select(Convert.ToHexString).ToHashSet();
        Assert.All(SampleTree.OddNames, name => Assert.Contains(Convert.ToHexString(name), names));
        Assert.Contains(SampleTree.OddNames, name => name.Length == 255);

        // Times carry nanoseconds, and the directory times survived the creation of their entries.
        var nanoseconds = new List<uint>();
        Walk(Expected, "", (relative, status) => nanoseconds.Add(status.Mtime.Nanoseconds));
        Assert.True(nanoseconds.Count(n => n % 1000 != 0) > count / 2);
    }

    [RequiresRootFact("cp")]
    public void A_copy_made_by_cp_a_has_no_differences()
    {
        SampleTree.Create(Expected, seed: 1);
        CopyWithCp();

        var differences = TreeComparer.Compare(Expected, Actual, new CompareOptions { Sparseness = true });

        Assert.True(differences.Count == 0, string.Join('\n', differences));
    }

    [RequiresRootFact]
    public void The_same_seed_builds_the_same_tree_and_another_seed_does_not()
    {
        SampleTree.Create(Expected, seed: 7);
        SampleTree.Create(Actual, seed: 7);
        Assert.Empty(TreeComparer.Compare(Expected, Actual, new CompareOptions { Sparseness = true }));

        SampleTree.Create(temp + "/other", seed: 8);
        var differences = TreeComparer.Compare(Expected, temp + "/other");
        Assert.Contains(differences, d => d.Path == SampleTree.SmallFile && d.What.StartsWith("content differs at byte 12", StringComparison.Ordinal));
        Assert.Contains(differences, d => d.Path == SampleTree.HalfRandomFile && d.What.StartsWith("content differs at byte 0", StringComparison.Ordinal));
    }

    [RequiresRootFact("cp")]
    public void Each_change_to_the_copy_is_reported_at_its_path()
    {
        SampleTree.Create(Expected, seed: 3);
        CopyWithCp();
        var changes = new List<(string Path, string What)>();

        void Expect(string path, string what) => changes.Add((path, what));

        // A byte of content, with size and mtime kept.
        Keeping(SampleTree.HalfRandomFile, path =>
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
            stream.Position = 5_000_001;
            var b = stream.ReadByte();
            stream.Position = 5_000_001;
            stream.WriteByte((byte)(b ^ 0x01));
        });
        Expect(SampleTree.HalfRandomFile, "content differs at byte 5000001");

        Keeping("modes/group-writable", path => fs.SetPermissions(path, 0x1B4 ^ 0x10)); // 0664 without g+w
        Expect("modes/group-writable", "permissions 0644, expected 0664");

        var small = fs.LStat(Actual + "/" + SampleTree.SmallFile);
        fs.SetTimes(Actual + "/" + SampleTree.SmallFile, small.Atime, small.Mtime with { Nanoseconds = (small.Mtime.Nanoseconds + 1) % 1_000_000_000 });
        Expect(SampleTree.SmallFile, "mtime");

        fs.SetExtendedAttribute(Actual + "/" + SampleTree.TextAttributeFile, "user.comment", "changed"u8.ToArray());
        Expect(SampleTree.TextAttributeFile, "xattr user.comment is 0x6368616E676564");

        Keeping(SampleTree.RelativeSymlink, path =>
        {
            fs.Unlink(path);
            fs.CreateSymlink("../data/empty", path);
        });
        Expect(SampleTree.RelativeSymlink, "symlink target \"../data/empty\", expected \"../data/small.txt\"");

        var broken = SampleTree.HardLinkGroup[1];
        Keeping(broken, path =>
        {
            var content = File.ReadAllBytes(path);
            var status = fs.LStat(path);
            fs.Unlink(path);
            using (var handle = fs.CreateFile(path, status.Permissions))
            {
                RandomAccess.Write(handle, content, 0);
            }

            fs.SetOwner(path, status.Uid, status.Gid);
            fs.SetPermissions(path, status.Permissions);
        });
        Expect(broken, "hard-linked with [], expected [hardlinks/a/first, hardlinks/c/deeper/third]");
        Expect(SampleTree.HardLinkGroup[0], "hard-linked with [hardlinks/c/deeper/third], expected [hardlinks/b/second, hardlinks/c/deeper/third]");
        Expect(SampleTree.HardLinkGroup[2], "hard-linked with [hardlinks/a/first], expected [hardlinks/a/first, hardlinks/b/second]");

        fs.Unlink(Actual + "/data/small-03.bin");
        Expect("data/small-03.bin", "missing");

        Keeping(SampleTree.NumericOwnerFile, path => fs.SetOwner(path, SampleTree.NobodyId, SampleTree.UnnamedId));
        Expect(SampleTree.NumericOwnerFile, "owner 65534:4242, expected 4242:4242");

        Keeping(SampleTree.BlockDevice, path =>
        {
            fs.Unlink(path);
            fs.CreateSpecial(path, FileKind.BlockDevice, 0x1B0, DeviceNumber.Make(7, 201));
        });
        Expect(SampleTree.BlockDevice, "device 7:201, expected 7:200");

        Keeping(SampleTree.Fifo, path =>
        {
            fs.Unlink(path);
            fs.CreateFile(path, 0x1A0).Dispose();
        });
        Expect(SampleTree.Fifo, "kind Regular, expected Fifo");

        var extra = SampleTree.NamesDirectory + "/" + PathEncoding.Decode([(byte)'x', 0xff, (byte)'\n']);
        fs.CreateFile(Actual + "/" + extra, 0x1A4).Dispose();
        Expect(extra, "unexpected");

        // Filled in: the same bytes, but every hole allocated.
        Keeping(SampleTree.SparseFile, path =>
        {
            var result = ProcessRunner.Run("cp", ["--sparse=never", Expected + "/" + SampleTree.SparseFile, path]);
            Assert.Equal(0, result.ExitCode);
        });
        Expect(SampleTree.SparseFile, "not sparse");

        var differences = TreeComparer.Compare(Expected, Actual, new CompareOptions { Sparseness = true });

        foreach (var (path, what) in changes)
        {
            Assert.True(
                differences.Any(d => d.Path == path && d.What.StartsWith(what, StringComparison.Ordinal)),
                $"no difference \"{what}\" at {TreeDifference.Printable(path)} in:\n{string.Join('\n', differences)}");
        }

        // Nothing else: only the changed entries and the directories whose entries changed.
        var changedPaths = changes.Select(c => c.Path).ToHashSet();
        foreach (var difference in differences)
        {
            Assert.True(
                changedPaths.Contains(difference.Path) || changedPaths.Any(p => p.StartsWith(difference.Path + "/", StringComparison.Ordinal)),
                $"unexpected difference {difference}");
        }
    }

    [RequiresRootFact("cp")]
    public void Symlink_times_and_the_root_s_metadata_can_be_left_out()
    {
        SampleTree.Create(Expected, seed: 5);
        CopyWithCp();
        var link = Actual + "/" + SampleTree.DanglingSymlink;
        fs.SetTimes(link, new Timespec(1, 0), new Timespec(2, 0));
        fs.SetPermissions(Actual, 0x1C0);
        fs.SetTimes(Actual, new Timespec(1, 0), new Timespec(2, 0));

        var all = TreeComparer.Compare(Expected, Actual);
        Assert.Contains(all, d => d.Path == SampleTree.DanglingSymlink && d.What.StartsWith("mtime", StringComparison.Ordinal));
        Assert.Contains(all, d => d.Path == "." && d.What.StartsWith("mtime", StringComparison.Ordinal));
        Assert.Contains(all, d => d.Path == "." && d.What.StartsWith("permissions 0700", StringComparison.Ordinal));

        Assert.Empty(TreeComparer.Compare(Expected, Actual, new CompareOptions { SymlinkTimes = false, RootMetadata = false }));
    }

    [Fact]
    public void Differences_print_odd_names_readably()
    {
        var difference = new TreeDifference("names/" + PathEncoding.Decode([(byte)'a', (byte)'\n', 0xff, (byte)'\t', (byte)'\\']), "missing");

        Assert.Equal("names/a\\n\\xff\\t\\\\: missing", difference.ToString());
    }

    private void CopyWithCp()
    {
        var result = ProcessRunner.Run("cp", ["-a", "--sparse=always", Expected, Actual]);
        Assert.True(result.ExitCode == 0, $"cp -a failed: {result.StdErr}");
    }

    /// <summary>Applies a change to a path in the copy, then puts back the mtimes of the entry and of its directory.</summary>
    private void Keeping(string relative, Action<string> change)
    {
        var path = Actual + "/" + relative;
        var parent = path[..path.LastIndexOf('/')];
        var before = fs.LStat(path);
        var parentBefore = fs.LStat(parent);
        change(path);
        fs.SetTimes(path, before.Atime, before.Mtime);
        fs.SetTimes(parent, parentBefore.Atime, parentBefore.Mtime);
    }

    private (uint, uint) Owner(string path)
    {
        var status = fs.LStat(path);
        return (status.Uid, status.Gid);
    }

    private int Walk(string root, string relative, Action<string, FileStatus> visit)
    {
        var count = 0;
        foreach (var name in fs.ReadDirectory(relative.Length == 0 ? root : root + "/" + relative))
        {
            var child = relative.Length == 0 ? name : relative + "/" + name;
            var status = fs.LStat(root + "/" + child);
            visit(child, status);
            count++;
            if (status.Kind == FileKind.Directory)
            {
                count += Walk(root, child, visit);
            }
        }

        return count;
    }
}
