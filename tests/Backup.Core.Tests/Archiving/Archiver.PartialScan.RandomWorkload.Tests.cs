using Backup.Core.Archiving;
using Backup.Core.FileSystem;

namespace Backup.Core.Tests.Archiving;

/// <summary>
/// The central property of journal-driven backups: after any workload, a partial backup over the directories the
/// journal recorded makes exactly the tree a full scan makes. Each seed builds a random tree, backs it up, applies
/// random operations while recording what the kernel would report, and compares the two backups.
/// </summary>
public sealed class ArchiverPartialScanRandomWorkloadTests : PartialScanTestBase
{
    private static readonly uint[] Owners = [0, 1000, 1001, 65534];
    private int _names;

    /// <summary>Most operations happen under these directories, as real changes cluster; the rest anywhere.</summary>
    private List<string> _hot = [];

    public static TheoryData<int> Seeds => new([71, 130, 177, .. Enumerable.Range(1, 40)]);

    public static TheoryData<int> FewChangeSeeds => new(Enumerable.Range(101, 3));

    [Theory]
    [MemberData(nameof(Seeds))]
    public async Task Partial_backup_after_random_operations_equals_a_full_scan(int seed)
    {
        var random = new Random(seed);
        var excludes = new ExcludeFilter();
        excludes.Add("*.skip", "--exclude");
        Populate(random, Source, depth: 0, maxDepth: 4);
        AddHardLinks(random, 10);
        _hot = Entries().Directories.OrderBy(_ => random.Next()).Take(3).ToList();
        var parent = await ArchiveAsync(null, null, excludes, excludeCaches: true);
        Tick();

        var log = new List<string>();
        var operations = random.Next(50, 201);
        for (var i = 0; i < operations; i++)
        {
            log.Add(Apply(random));
        }

        var plan = Journal.Plan("parent", Root);
        var partial = await ArchiveAsync(plan, parent.RootTree, excludes, excludeCaches: true);
        var full = await ArchiveAsync(null, parent.RootTree, excludes, excludeCaches: true);
        Assert.Equal(ScanReport.Journal, partial.Scan.Kind);
        try
        {
            await AssertSameTreeAsync(partial.RootTree, full.RootTree, plan, partial.Warnings);
        }
        catch (Exception e) when (e is Xunit.Sdk.XunitException)
        {
            throw new Xunit.Sdk.XunitException($"seed {seed}, {operations} operations:\n{string.Join("\n", log)}\n{e.Message}");
        }
    }

    [Theory]
    [MemberData(nameof(FewChangeSeeds))]
    public async Task Few_changes_in_a_large_tree_list_few_directories(int seed)
    {
        var random = new Random(seed);
        for (var i = 0; i < 6; i++)
        {
            var top = Source + "/top" + i;
            Directory.CreateDirectory(top);
            Populate(random, top, depth: 1, maxDepth: 5);
        }

        var parent = await BackupAsync(null);
        Tick();
        for (var i = 0; i < 3; i++)
        {
            Apply(random);
        }

        var (partial, full) = await PartialAndFullAsync(Journal.Plan(parent.SnapshotId.ToString(), Root));

        Assert.True(full.Scan.DirectoriesVisited >= 50, $"the tree has only {full.Scan.DirectoriesVisited} directories");
        Assert.True(
            partial.Scan.DirectoriesVisited * 5 <= full.Scan.DirectoriesVisited,
            $"partial listed {partial.Scan.DirectoriesVisited} directories, full {full.Scan.DirectoriesVisited}");
    }

    private string NewName(string prefix = "n") => prefix + _names++;

    private void Populate(Random random, string directory, int depth, int maxDepth)
    {
        var files = random.Next(0, 6);
        for (var i = 0; i < files; i++)
        {
            File.WriteAllBytes(Path.Combine(directory, NewName("f")), RandomBytes(random));
        }

        if (random.Next(4) == 0)
        {
            File.CreateSymbolicLink(Path.Combine(directory, NewName("l")), "target-" + random.Next(100));
        }

        if (random.Next(6) == 0)
        {
            File.WriteAllText(Path.Combine(directory, NewName("x") + ".skip"), "excluded");
        }

        if (depth >= maxDepth)
        {
            return;
        }

        var directories = random.Next(depth == 0 ? 2 : 0, 4);
        for (var i = 0; i < directories; i++)
        {
            var child = Path.Combine(directory, NewName("d"));
            Directory.CreateDirectory(child);
            Populate(random, child, depth + 1, maxDepth);
        }
    }

    private void AddHardLinks(Random random, int count)
    {
        for (var i = 0; i < count; i++)
        {
            var (directories, files, _) = Entries();
            if (files.Count > 0)
            {
                Files.CreateHardLink(Pick(random, files), Path.Combine(Pick(random, directories), NewName("h")));
            }
        }
    }

    /// <summary>Applies one random operation and records it in the journal; returns a description.</summary>
    private string Apply(Random random)
    {
        var (directories, files, others) = Entries();
        if (random.Next(5) != 0)
        {
            bool Hot(string path) => _hot.Any(h => path == h || path.StartsWith(h + "/", StringComparison.Ordinal));
            var hotDirectories = directories.Where(Hot).ToList();
            if (hotDirectories.Count > 0)
            {
                directories = hotDirectories;
                others = others.Where(Hot).ToList();

                // Hard links and renames still reach files anywhere.
                files = random.Next(3) == 0 ? files : files.Where(Hot).ToList();
            }
        }

        var subdirectories = directories.Where(d => d != Source).ToList();
        var directory = Pick(random, directories);
        var operation = random.Next(22);
        switch (operation)
        {
            case 0 or 1:
            {
                var path = Path.Combine(directory, NewName("f"));
                File.WriteAllBytes(path, RandomBytes(random));
                Journal.Children(directory);
                return $"create {path}";
            }

            case 2 when files.Count > 0:
            {
                var path = Pick(random, files);
                File.WriteAllBytes(path, RandomBytes(random));
                Journal.Children(Parent(path));
                return $"write {path}";
            }

            case 3 when files.Count > 0:
            {
                var path = Pick(random, files);
                File.AppendAllText(path, "appended");
                Journal.Children(Parent(path));
                return $"append {path}";
            }

            case 4 when files.Count > 0:
            {
                var path = Pick(random, files);
                using (var stream = new FileStream(path, FileMode.Open, FileAccess.Write))
                {
                    stream.SetLength(stream.Length / 2);
                }

                Journal.Children(Parent(path));
                return $"truncate {path}";
            }

            case 5 or 6:
            {
                var path = PickAny(random, directories, files);
                var isDirectory = Directory.Exists(path);
                Files.SetPermissions(path, isDirectory ? Pick<uint>(random, [0x1ED, 0x1C0, 0x1E8, 0x1FF]) : Pick<uint>(random, [0x1A4, 0x180, 0x1ED, 0x9ED]));
                MetadataChanged(path, isDirectory);
                return $"chmod {path}";
            }

            case 7:
            {
                var path = PickAny(random, directories, files.Concat(others).ToList());
                Files.SetOwner(path, Pick(random, Owners), Pick(random, Owners));
                MetadataChanged(path, Files.LStat(path).Kind == FileKind.Directory);
                return $"chown {path}";
            }

            case 8:
            {
                var path = PickAny(random, directories, files);
                Files.SetExtendedAttribute(path, "user.k" + random.Next(3), RandomBytes(random, 40));
                MetadataChanged(path, Directory.Exists(path));
                return $"setxattr {path}";
            }

            case 9:
            {
                var path = PickAny(random, directories, files);
                var time = new Timespec(1_600_000_000 + random.Next(1_000_000), (uint)random.Next(1_000_000_000));
                Files.SetTimes(path, time, time);
                MetadataChanged(path, Directory.Exists(path));
                return $"utimes {path}";
            }

            case 10 or 11 when files.Count > 0:
            {
                var target = Pick(random, files);
                var link = Path.Combine(random.Next(3) == 0 ? Parent(target) : directory, NewName("h"));
                Files.CreateHardLink(target, link);
                Journal.Children(Parent(link));
                Journal.ChangedInode(link);
                return $"link {target} {link}";
            }

            case 12 when files.Count > 0:
            {
                var linked = files.Where(f => Files.LStat(f).Links > 1).ToList();
                var path = Pick(random, linked.Count > 0 && random.Next(2) == 0 ? linked : files);
                File.Delete(path);
                Journal.Children(Parent(path));
                return $"unlink {path}";
            }

            case 13:
            {
                var path = Path.Combine(directory, NewName("l"));
                File.CreateSymbolicLink(path, "target-" + random.Next(100));
                Journal.Children(directory);
                return $"symlink {path}";
            }

            case 14:
            {
                var path = Path.Combine(directory, NewName("d") + (random.Next(8) == 0 ? ".skip" : ""));
                Directory.CreateDirectory(path);
                Journal.Children(directory);
                return $"mkdir {path}";
            }

            case 15:
            {
                var empty = subdirectories.Where(d => Files.ReadDirectory(d).Count == 0).ToList();
                if (empty.Count == 0)
                {
                    return "rmdir: no empty directory";
                }

                var path = Pick(random, empty);
                Directory.Delete(path);
                Journal.Children(Parent(path));
                return $"rmdir {path}";
            }

            case 16 or 17 when files.Count + others.Count > 0:
            {
                var from = Pick(random, files.Concat(others).ToList());
                var over = files.Where(f => f != from).ToList();
                var to = random.Next(3) == 0 && over.Count > 0 ? Pick(random, over) : Path.Combine(directory, NewName("r"));
                File.Move(from, to, overwrite: true);
                Journal.Children(Parent(from));
                Journal.Children(Parent(to));
                return $"rename {from} {to}";
            }

            case 18 or 19 when subdirectories.Count > 0:
            {
                var from = Pick(random, subdirectories);
                var destinations = directories.Where(d => d != from && !d.StartsWith(from + "/", StringComparison.Ordinal)).ToList();
                if (destinations.Count == 0)
                {
                    return $"move {from}: nowhere to go";
                }

                var to = Path.Combine(Pick(random, destinations), NewName("m"));
                Journal.Children(Parent(from));
                Directory.Move(from, to);
                Journal.Children(Parent(to));
                Journal.Recursive(to);
                return $"move {from} {to}";
            }

            case 20 when subdirectories.Count > 0 && random.Next(3) == 0:
            {
                var path = Pick(random, subdirectories);
                Journal.Children(Parent(path));
                Directory.Delete(path, recursive: true);
                return $"delete tree {path}";
            }

            case 21:
            {
                var path = Path.Combine(directory, "CACHEDIR.TAG");
                if (random.Next(4) != 0 || File.Exists(path) || Directory.Exists(path))
                {
                    return "no cache tag";
                }

                File.WriteAllText(path, "Signature: 8a477f597d28d172789f06886806bc55\n");
                Journal.Children(directory);
                return $"cache tag {path}";
            }

            default:
            {
                var path = Path.Combine(directory, NewName("x") + ".skip");
                File.WriteAllText(path, "excluded");
                Journal.Children(directory);
                return $"create excluded {path}";
            }
        }
    }

    /// <summary>fanotify reports metadata changes of a directory against the directory itself, of anything else against its directory.</summary>
    private void MetadataChanged(string path, bool isDirectory)
    {
        if (isDirectory)
        {
            Journal.Self(path);
        }
        else
        {
            Journal.Children(Parent(path));
        }
    }

    /// <summary>Directories, regular files and other entries under the source, in a stable order.</summary>
    private (List<string> Directories, List<string> Files, List<string> Others) Entries()
    {
        var directories = new List<string>();
        var files = new List<string>();
        var others = new List<string>();
        var pending = new Stack<string>();
        pending.Push(Source);
        while (pending.TryPop(out var directory))
        {
            directories.Add(directory);
            foreach (var name in Files.ReadDirectory(directory).Order(StringComparer.Ordinal).Reverse())
            {
                var path = directory + "/" + name;
                switch (Files.LStat(path).Kind)
                {
                    case FileKind.Directory:
                        pending.Push(path);
                        break;
                    case FileKind.Regular:
                        files.Add(path);
                        break;
                    default:
                        others.Add(path);
                        break;
                }
            }
        }

        return (directories, files, others);
    }

    private static string Parent(string path) => Path.GetDirectoryName(path)!;

    private static T Pick<T>(Random random, IReadOnlyList<T> items) => items[random.Next(items.Count)];

    private static string PickAny(Random random, List<string> directories, List<string> files) =>
        files.Count > 0 && random.Next(3) != 0 ? Pick(random, files) : Pick(random, directories);

    private static byte[] RandomBytes(Random random, int max = 3000)
    {
        var bytes = new byte[random.Next(0, max)];
        random.NextBytes(bytes);
        return bytes;
    }
}
