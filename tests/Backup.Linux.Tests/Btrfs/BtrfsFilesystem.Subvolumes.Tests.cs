using System.Text.RegularExpressions;
using Backup.Linux.Btrfs;

namespace Backup.Linux.Tests.Btrfs;

/// <summary>ListSubvolumes and GetSubvolumeInfo against what btrfs-progs reports for the same filesystem.</summary>
public sealed partial class BtrfsFilesystemSubvolumesTests
{
    private const string Layout = """
        btrfs -q subvolume create sv1 && btrfs -q subvolume create sv1/nested
        mkdir -p deep/er sv1/a && btrfs -q subvolume create deep/er/sv2
        echo data > sv1/a/file
        mkdir snaps && btrfs -q subvolume snapshot -r sv1 snaps/sv1-ro
        btrfs -q subvolume create doomed && btrfs -q subvolume delete -c doomed >/dev/null
        """;

    [RequiresRootFact("mkfs.btrfs", "btrfs", "losetup")]
    public void ListSubvolumes_matches_btrfs_subvolume_list_and_adds_the_top_level()
    {
        using var fs = new BtrfsImage();
        fs.Run(Layout);
        BtrfsFilesystem.Sync(fs.Root);

        var listed = BtrfsFilesystem.ListSubvolumes(fs.Root);

        var top = listed[0];
        Assert.Equal(5ul, top.Id);
        Assert.Equal("", top.Path);
        Assert.Equal(0ul, top.ParentId);
        Assert.Equal(Show(fs.Root).Uuid, top.Uuid);

        var expected = ProgsList(fs).ToDictionary(s => s.Id);
        Assert.Equal(["deep/er/sv2", "snaps/sv1-ro", "sv1", "sv1/nested"], expected.Values.Select(s => s.Path).Order());
        Assert.Equal(expected.Keys.Order(), listed.Skip(1).Select(s => s.Id).Order());
        foreach (var subvolume in listed.Skip(1))
        {
            var progs = expected[subvolume.Id];
            Assert.Equal(progs.Path, subvolume.Path);
            Assert.Equal(progs.ParentId, subvolume.ParentId);
            Assert.Equal(progs.Generation, subvolume.Generation);
            Assert.Equal(progs.CreatedGeneration, subvolume.CreatedGeneration);
            Assert.Equal(progs.Uuid, subvolume.Uuid);
            Assert.Equal(progs.ParentUuid, subvolume.ParentUuid);
            Assert.Equal(progs.Path == "snaps/sv1-ro", subvolume.IsReadOnly);
        }

        Assert.Equal(listed, BtrfsFilesystem.ListSubvolumes(fs["sv1/nested"]));
    }

    [RequiresRootFact("mkfs.btrfs", "btrfs", "losetup")]
    public void GetSubvolumeInfo_describes_the_subvolume_holding_the_path()
    {
        using var fs = new BtrfsImage();
        fs.Run(Layout);
        BtrfsFilesystem.Sync(fs.Root);
        var listed = BtrfsFilesystem.ListSubvolumes(fs.Root).ToDictionary(s => s.Path ?? "?");

        foreach (var (path, inside) in new[] { ("", "deep"), ("sv1", "sv1/a/file"), ("sv1/nested", "sv1/nested"), ("deep/er/sv2", "deep/er/sv2"), ("snaps/sv1-ro", "snaps/sv1-ro/a") })
        {
            var info = BtrfsFilesystem.GetSubvolumeInfo(fs[inside]);
            Assert.Equal(listed[path], info);

            var show = Show(fs[path]);
            Assert.Equal(show.Id, info.Id);
            Assert.Equal(show.Generation, info.Generation);
            Assert.Equal(show.Uuid, info.Uuid);
        }
    }

    [RequiresRootFact("mkfs.btrfs", "btrfs", "losetup")]
    public void A_subvolume_created_after_a_generation_is_recognisable_and_changes_its_parent_directory()
    {
        using var fs = new BtrfsImage();
        fs.Run(Layout);
        BtrfsFilesystem.Sync(fs.Root);
        var generation = BtrfsFilesystem.GetSubvolumeInfo(fs["sv1"]).Generation;

        fs.Run("btrfs -q subvolume create sv1/a/fresh && btrfs -q subvolume delete sv1/nested >/dev/null");
        BtrfsFilesystem.Sync(fs.Root);

        var all = BtrfsFilesystem.ListSubvolumes(fs.Root);
        Assert.All(all, s => Assert.NotNull(s.Path));
        var listed = all.ToDictionary(s => s.Path!);
        Assert.True(listed["sv1/a/fresh"].CreatedGeneration > generation, $"fresh created in {listed["sv1/a/fresh"].CreatedGeneration}, recorded {generation}");
        Assert.All(listed.Values.Where(s => s.Path != "sv1/a/fresh"), s => Assert.True(s.CreatedGeneration <= generation, s.ToString()));
        Assert.DoesNotContain("sv1/nested", listed.Keys);

        var changedDirectories = BtrfsFilesystem.ChangedSince(fs["sv1"], generation)
            .Where(c => c.IsDirectory)
            .SelectMany(c => BtrfsFilesystem.InodePaths(fs["sv1"], c.Inode))
            .Order();
        Assert.Equal(["", "a"], changedDirectories);
    }

    private sealed record ProgsSubvolume(ulong Id, ulong Generation, ulong CreatedGeneration, ulong ParentId, Guid ParentUuid, Guid Uuid, string Path);

    /// <summary>`btrfs subvolume list -p -c -u -q` of the top level: every subvolume but the top level itself.</summary>
    private static List<ProgsSubvolume> ProgsList(BtrfsImage fs) =>
        fs.Run("btrfs subvolume list -p -c -u -q .").StdOut
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => ListLine().Match(line))
            .Select(m => new ProgsSubvolume(
                ulong.Parse(m.Groups["id"].Value),
                ulong.Parse(m.Groups["gen"].Value),
                ulong.Parse(m.Groups["cgen"].Value),
                ulong.Parse(m.Groups["parent"].Value),
                m.Groups["puuid"].Value == "-" ? Guid.Empty : Guid.Parse(m.Groups["puuid"].Value),
                Guid.Parse(m.Groups["uuid"].Value),
                m.Groups["path"].Value))
            .ToList();

    /// <summary>Id, generation and UUID from `btrfs subvolume show`.</summary>
    private static (ulong Id, ulong Generation, Guid Uuid) Show(string path)
    {
        var output = Backup.TestSupport.Shell.Ok($"btrfs subvolume show {Backup.TestSupport.Shell.Quote(path)}").StdOut;
        string Field(string name) => Regex.Match(output, $@"^\s*{name}:\s*(\S+)", RegexOptions.Multiline).Groups[1].Value;
        return (ulong.Parse(Field("Subvolume ID")), ulong.Parse(Field("Generation")), Guid.Parse(Field("UUID")));
    }

    [GeneratedRegex(@"^ID (?<id>\d+) gen (?<gen>\d+) cgen (?<cgen>\d+) parent (?<parent>\d+) top level \d+ parent_uuid (?<puuid>\S+)\s+uuid (?<uuid>\S+) path (?<path>.*)$")]
    private static partial Regex ListLine();
}
