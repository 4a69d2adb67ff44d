using Backup.Core.FileSystem;
using Backup.Linux.Btrfs;
using Backup.Linux.Tests.Infrastructure;

namespace Backup.Linux.Tests.Btrfs;

/// <summary>InodePaths: every name of an inode relative to its subvolume, byte-exact.</summary>
public sealed class BtrfsFilesystemInodePathsTests
{
    [RequiresRootFact("mkfs.btrfs", "btrfs", "losetup")]
    public void Hard_links_directories_and_the_root_resolve_relative_to_the_subvolume()
    {
        using var fs = new BtrfsImage();
        fs.Run("btrfs -q subvolume create sv1 && mkdir -p sv1/a/b sv1/c && echo x > sv1/a/b/f && ln sv1/a/b/f sv1/c/g && ln sv1/a/b/f sv1/top");

        var sv1 = fs["sv1"];
        Assert.Equal(["a/b/f", "c/g", "top"], BtrfsFilesystem.InodePaths(sv1, Inode(fs["sv1/a/b/f"])).Order());
        Assert.Equal(["a/b"], BtrfsFilesystem.InodePaths(sv1, Inode(fs["sv1/a/b"])));
        Assert.Equal([""], BtrfsFilesystem.InodePaths(sv1, Inode(sv1)));
        Assert.Equal(["a/b/f", "c/g", "top"], BtrfsFilesystem.InodePaths(fs["sv1/a/b"], Inode(fs["sv1/a/b/f"])).Order());
    }

    [RequiresRootFact("mkfs.btrfs", "btrfs", "losetup")]
    public void A_removed_inode_has_no_paths()
    {
        using var fs = new BtrfsImage();
        fs.Run("echo x > gone");
        var inode = Inode(fs["gone"]);
        fs.Run("rm gone");

        Assert.Empty(BtrfsFilesystem.InodePaths(fs.Root, inode));
        Assert.Empty(BtrfsFilesystem.InodePaths(fs.Root, 1_000_000));
    }

    [RequiresRootFact("mkfs.btrfs", "btrfs", "losetup")]
    public void Names_that_are_not_utf8_come_back_byte_exact()
    {
        using var fs = new BtrfsImage();
        fs.Run(@"mkdir $'d\xe9' && echo x > $'d\xe9/f\xff\xfe' && printf ok > ""d$(printf '\xc3\xa9')""");
        var name = Shell.Ok($"cd {Shell.Quote(fs.Root)} && ls -i $'d\\xe9' | cut -d' ' -f1").StdOut.Trim();

        var path = Assert.Single(BtrfsFilesystem.InodePaths(fs.Root, ulong.Parse(name)));

        Assert.Equal([(byte)'d', 0xe9, (byte)'/', (byte)'f', 0xff, 0xfe], PathEncoding.Encode(path));
        Assert.Equal(["dé"], BtrfsFilesystem.InodePaths(fs.Root, Inode(fs["dé"])));
    }

    [RequiresRootFact("mkfs.btrfs", "btrfs", "losetup")]
    public void More_links_than_one_kernel_reply_holds_are_all_found()
    {
        using var fs = new BtrfsImage();
        // 2 x 100 names of 200 bytes: far beyond the 4 KiB INO_PATHS fills, and beyond one INODE_REF item
        // per directory, so the names spill into INODE_EXTREF items.
        fs.Run("""
            mkdir a b && echo x > a/origin
            for i in $(seq 1 100); do
              n=$(printf "%03d%0197d" $i 0)
              ln a/origin a/$n && ln a/origin b/$n
            done
            """);

        var paths = BtrfsFilesystem.InodePaths(fs.Root, Inode(fs["a/origin"]));

        Assert.Equal(201, paths.Count);
        Assert.Equal(201, paths.Distinct().Count());
        Assert.Contains("a/origin", paths);
        Assert.Contains("b/100" + new string('0', 197), paths);
        Assert.All(paths, p => Assert.True(File.Exists(fs[p]), p));
    }

    private static ulong Inode(string path) =>
        ulong.Parse(Shell.Ok($"stat -c %i {Shell.Quote(path)}").StdOut.Trim());
}
