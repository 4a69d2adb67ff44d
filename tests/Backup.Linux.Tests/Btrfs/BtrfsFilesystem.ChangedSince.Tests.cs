using Backup.Linux.Btrfs;

namespace Backup.Linux.Tests.Btrfs;

/// <summary>
/// ChangedSince on a real btrfs: every kind of change after a recorded generation shows up as the changed
/// inode or as its parent directory, and nothing untouched does. Changes are left uncommitted on purpose.
/// </summary>
public sealed class BtrfsFilesystemChangedSinceTests
{
    private const string Setup = """
        btrfs -q subvolume create sv1 && btrfs -q subvolume create sv1/nested
        mkdir sv1/a sv1/b sv1/gone sv1/keepdir sv1/nested/n
        for f in append chmod ren mv linksrc trunc xattr utimes untouched; do echo data > sv1/a/$f; done
        echo data > sv1/b/del && echo data > sv1/keepdir/still
        for f in grow del untouched; do echo data > sv1/nested/n/$f; done
        echo top > topfile && echo top > topkeep
        """;

    [RequiresRootFact("mkfs.btrfs", "btrfs", "losetup", "setfattr")]
    public void Every_kind_of_change_is_reported_and_untouched_files_are_not()
    {
        using var fs = new BtrfsImage();
        fs.Run(Setup);
        BtrfsFilesystem.Sync(fs.Root);
        var sv1 = BtrfsFilesystem.GetSubvolumeInfo(fs["sv1"]).Generation;
        var nested = BtrfsFilesystem.GetSubvolumeInfo(fs["sv1/nested"]).Generation;
        var top = BtrfsFilesystem.GetSubvolumeInfo(fs.Root).Generation;

        fs.Run("""
            cd sv1
            head -c 100000 /dev/urandom > a/new-data
            : > a/new-empty
            echo more >> a/append
            chmod 600 a/chmod
            mv a/ren a/ren2
            mv a/mv b/mv
            rm b/del
            ln a/linksrc b/link
            truncate -s 0 a/trunc
            setfattr -n user.k -v v a/xattr
            touch -m -d 2001-01-01 a/utimes
            mkdir a/newdir
            rmdir gone
            echo more >> nested/n/grow
            rm nested/n/del
            cd .. && chmod 600 topfile
            """);

        var changed = Changed(fs["sv1"], sv1);
        string[] files = ["a/new-data", "a/new-empty", "a/append", "a/chmod", "a/ren2", "b/mv", "a/linksrc", "b/link", "a/trunc", "a/xattr", "a/utimes"];
        foreach (var file in files)
        {
            Assert.True(changed.TryGetValue(file, out var isDirectory), $"{file} missing from {Show(changed)}");
            Assert.False(isDirectory, file);
        }

        // a: new files, rename, move out; b: move in, delete, link; "": rmdir of gone; a/newdir: mkdir.
        foreach (var directory in new[] { "a", "b", "", "a/newdir" })
        {
            Assert.True(changed.TryGetValue(directory, out var isDirectory), $"directory \"{directory}\" missing from {Show(changed)}");
            Assert.True(isDirectory, directory);
        }

        Assert.Equal(files.Length + 4, changed.Count);
        Assert.DoesNotContain("a/untouched", changed.Keys);
        Assert.DoesNotContain("keepdir/still", changed.Keys);

        Assert.Equal(["n", "n/grow"], Changed(fs["sv1/nested"], nested).Keys.Order());
        Assert.Equal(["topfile"], Changed(fs.Root, top).Keys);
    }

    [RequiresRootFact("mkfs.btrfs", "btrfs", "losetup")]
    public void Nothing_changed_since_the_generation_gives_nothing_and_later_changes_carry_higher_transids()
    {
        using var fs = new BtrfsImage();
        fs.Run(Setup);
        BtrfsFilesystem.Sync(fs.Root);
        var before = BtrfsFilesystem.GetSubvolumeInfo(fs["sv1"]).Generation;
        Assert.Empty(BtrfsFilesystem.ChangedSince(fs["sv1"], before));

        fs.Run("echo more >> sv1/a/append");
        BtrfsFilesystem.Sync(fs.Root);
        var after = BtrfsFilesystem.GetSubvolumeInfo(fs["sv1"]).Generation;
        Assert.True(after > before, $"generation {after} after a committed change, {before} before");

        var change = Assert.Single(BtrfsFilesystem.ChangedSince(fs["sv1"], before));
        Assert.Equal(["a/append"], BtrfsFilesystem.InodePaths(fs["sv1"], change.Inode));
        Assert.InRange(change.Transid, before + 1, after);
        Assert.Equal(1u, change.LinkCount);
        Assert.Empty(BtrfsFilesystem.ChangedSince(fs["sv1"], after));
    }

    [RequiresRootFact("mkfs.btrfs", "btrfs", "losetup")]
    public void A_path_inside_the_subvolume_searches_that_whole_subvolume()
    {
        using var fs = new BtrfsImage();
        fs.Run(Setup);
        BtrfsFilesystem.Sync(fs.Root);
        var generation = BtrfsFilesystem.GetSubvolumeInfo(fs["sv1"]).Generation;
        fs.Run("echo more >> sv1/b/del");

        Assert.Equal(["b/del"], Changed(fs["sv1/a"], generation).Keys);
    }

    /// <summary>The changed inodes as paths within the subvolume, each with whether it is a directory.</summary>
    private static Dictionary<string, bool> Changed(string subvolume, ulong generation)
    {
        var paths = new Dictionary<string, bool>();
        foreach (var inode in BtrfsFilesystem.ChangedSince(subvolume, generation))
        {
            foreach (var path in BtrfsFilesystem.InodePaths(subvolume, inode.Inode))
            {
                paths.Add(path, inode.IsDirectory);
            }
        }

        return paths;
    }

    private static string Show(Dictionary<string, bool> changed) =>
        "[" + string.Join(", ", changed.Keys.Order().Select(p => "\"" + p + "\"")) + "]";
}
