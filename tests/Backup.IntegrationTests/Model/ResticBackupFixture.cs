using System.Text;
using System.Text.Json;
using Backup.Core.Model;
using Backup.IntegrationTests.Infrastructure;

namespace Backup.IntegrationTests.Model;

/// <summary>
/// A directory full of awkward entries, backed up once by the real restic 0.14, with every tree blob and
/// snapshot fetched back. Built on first use, so a skipped test never needs restic; removed on dispose.
/// </summary>
public sealed class ResticBackupFixture : IDisposable
{
    private readonly Lazy<ResticBackup> _backup;
    private readonly string _root = Path.Combine(Path.GetTempPath(), "model-restic-" + Guid.NewGuid().ToString("N"));

    public ResticBackupFixture()
    {
        _backup = new Lazy<ResticBackup>(() => ResticBackup.Create(_root));
    }

    public ResticBackup Backup => _backup.Value;

    public void Dispose()
    {
        // rm, not Directory.Delete: .NET cannot name entries whose names are not UTF-8.
        if (Directory.Exists(_root))
        {
            ProcessRunner.Run("rm", ["-rf", "--", _root]);
        }
    }
}

/// <summary>What restic wrote for the fixture directory.</summary>
public sealed class ResticBackup
{
    // Makes the entries with raw byte names, which .NET's file APIs cannot express, and dumps lstat of
    // every entry (path bytes as hex) so tests can compare restic's nodes with the file system.
    private const string MakeTree = """
import os, random, socket, stat, sys, json
os.chdir(os.fsencode(sys.argv[1]))
root = os.geteuid() == 0
def f(name, data=b"", mode=None):
    with open(name, "wb") as fh:
        fh.write(data)
    if mode is not None:
        os.chmod(name, mode)
f(b"small.txt", b"hello world\n")
os.setxattr(b"small.txt", b"user.comment", b"hello xattr")
os.link(b"small.txt", b"hard.txt")
f(b"empty.txt")
f(b"empty-xattr")
os.setxattr(b"empty-xattr", b"user.empty", b"")
os.setxattr(b"empty-xattr", b"user.bad\xff", b"v")
f(b"big.bin", random.Random(1).randbytes(3000000))
os.makedirs(b"sub/deeper/empty-dir")
f(b"sub/inner", b"x\n")
f(b"sub/deeper/leaf", b"leaf")
os.setxattr(b"sub", b"user.dirattr", b"\x00\x01binary")
os.mkdir(b"emptydir")
os.symlink(b"small.txt", b"link-to-small")
os.symlink(b"tgt\xff\xfe", b"badlink")
os.symlink("\b\f<>&\u2028\x7f\"\\".encode(), b"ctlink")
os.mkfifo(b"fifo1")
f(b"suid", b"s", 0o4755)
f(b"sgid", b"g", 0o2750)
os.mkdir(b"sticky")
os.chmod(b"sticky", 0o1777)
s = socket.socket(socket.AF_UNIX)
s.bind("sock1")
s.close()
if root:
    os.mknod(b"blockdev1", 0o644 | stat.S_IFBLK, os.makedev(7, 200))
    os.mknod(b"chardev1", 0o644 | stat.S_IFCHR, os.makedev(1, 3))
    f(b"nobody", b"n")
    os.chown(b"nobody", 65534, 65534)
    f(b"nameless", b"n")
    os.chown(b"nameless", 54321, 54321)
names = [b'we"ird\\back<>&.txt', b"new\nline", b"tab\there", b"del\x7f", b"nonutf8-\xff\xfe", b"trunc\xe6\x97",
         b"surr\xed\xa0\x80", b"ctl\x01\x1f\x07\x08\x0c\x0b\x0d", b"\xff" + "\u00e9".encode() * 127]
names += [s.encode() for s in ["ls\u2028x", "sp\u00a0ace", "emo\U0001FAE0ji", "ar\u061dx", "cjk\U0002A6DDx",
          "cjk\U0002A6DEx", "hi\U000E0001tag", "priv\ue000x", "\U00010000first", "\u00fcn\u00efc\u00f6d\u00e9 \u65e5\u672c.txt",
          "repl\ufffdx", "bom\ufeffx", "c1\u0085x", "n" * 255]]
for n in names:
    f(n, n)
for n, ns in [(b"old", -999999999500000000), (b"whole", 1577934245000000000), (b"frac", 1577934245120000000)]:
    f(n)
    os.utime(n, ns=(ns, ns))
entries = {}
for top, dirs, files in os.walk(b"."):
    for n in dirs + files:
        p = os.path.join(top, n)[2:]
        st = os.lstat(p)
        entries[p.hex()] = dict(mode=st.st_mode, mtime=st.st_mtime_ns, ctime=st.st_ctime_ns, ino=st.st_ino,
                                dev=st.st_dev, nlink=st.st_nlink, size=st.st_size, uid=st.st_uid, gid=st.st_gid,
                                rdev=st.st_rdev)
print(json.dumps(entries))
""";

    private ResticBackup(Restic restic, string data, string restored)
    {
        Restic = restic;
        DataDirectory = data;
        RestoredDirectory = restored;
    }

    public Restic Restic { get; }

    public string DataDirectory { get; }

    /// <summary>Where restic restored the first snapshot.</summary>
    public string RestoredDirectory { get; }

    /// <summary>lstat of every entry before the backup, keyed by the hex of its path bytes.</summary>
    public Dictionary<string, JsonElement> Lstat { get; private set; } = [];

    public Id RootTree { get; private set; }

    /// <summary>Every tree blob of the first snapshot, as <c>restic cat blob</c> prints it.</summary>
    public Dictionary<Id, byte[]> TreeBlobs { get; } = [];

    /// <summary>Every node of the first snapshot, keyed by the hex of its path bytes.</summary>
    public Dictionary<string, Node> Nodes { get; } = [];

    /// <summary>The snapshots as <c>restic cat snapshot</c> prints them: the first, and the second retagged.</summary>
    public List<string> SnapshotTexts { get; } = [];

    public static ResticBackup Create(string root)
    {
        var data = Path.Combine(root, "data");
        var restored = Path.Combine(root, "restored");
        Directory.CreateDirectory(data);
        var backup = new ResticBackup(new Restic(Path.Combine(root, "repo")), data, restored);

        var made = ProcessRunner.Run("python3", ["-c", MakeTree, data]);
        Assert.True(made.ExitCode == 0, $"making the test tree failed:\n{made.StdErr}");
        backup.Lstat = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(made.StdOut)!;

        backup.Restic.Ok("init");
        backup.Run(data, "backup", ".", "--host", "probe&host", "--tag", "t1", "--tag", "a<b", "--exclude", "*.tmp");
        var first = backup.SnapshotIds().Single();
        backup.Run(data, "backup", ".", "--host", "probe&host");
        var second = backup.SnapshotIds().Single(id => id != first);
        backup.Restic.Ok("tag", "--add", "newtag", second);
        backup.Restic.Ok("restore", first, "--target", restored);
        foreach (var id in backup.SnapshotIds())
        {
            backup.SnapshotTexts.Add(backup.Restic.Ok("cat", "snapshot", id));
        }

        using var firstSnapshot = JsonDocument.Parse(backup.Restic.Ok("cat", "snapshot", first));
        backup.RootTree = Id.Parse(firstSnapshot.RootElement.GetProperty("tree").GetString()!);
        backup.LoadTree(backup.RootTree, []);
        return backup;
    }

    private void Run(string workingDirectory, params string[] args)
    {
        var result = Restic.Run(args, workingDirectory);
        Assert.True(result.ExitCode == 0, $"restic {string.Join(' ', args)} exited {result.ExitCode}:\n{result.StdErr}");
    }

    private List<string> SnapshotIds()
    {
        using var list = JsonDocument.Parse(Restic.Ok("snapshots", "--json"));
        return list.RootElement.EnumerateArray().Select(s => s.GetProperty("id").GetString()!).ToList();
    }

    private void LoadTree(Id id, byte[] path)
    {
        var bytes = Restic.OkBytes("cat", "blob", id.ToString());
        TreeBlobs[id] = bytes;
        foreach (var node in Tree.Parse(bytes).Nodes)
        {
            byte[] nodePath = path.Length == 0
                ? Core.FileSystem.PathEncoding.Encode(node.Name)
                : [.. path, (byte)'/', .. Core.FileSystem.PathEncoding.Encode(node.Name)];
            Nodes[Convert.ToHexStringLower(nodePath)] = node;
            if (node.Subtree is { } subtree)
            {
                LoadTree(subtree, nodePath);
            }
        }
    }

    /// <summary>The raw JSON text of a tree blob.</summary>
    public string TreeText(Id id) => Encoding.UTF8.GetString(TreeBlobs[id]);
}
