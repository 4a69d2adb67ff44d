using Backup.Core.FileSystem;
using Backup.Linux.Fanotify;
using Backup.Linux.FileSystem;
using Backup.Linux.Tests.Infrastructure;

namespace Backup.Linux.Tests.Fanotify;

[Collection(FanotifyCollection.Name)]
public sealed class MountTableTests
{
    [Fact]
    public void ParsesFieldsOptionalTagsAndOctalEscapes()
    {
        using var temp = new TemporaryDirectory();
        var file = temp["mountinfo"];
        File.WriteAllBytes(file, [
            .. "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw,errors=remount-ro\n"u8,
            .. "36 22 0:45 /sv1 /mnt/with\\040space\\011tab\\134slash rw master:2 propagate_from:1 - btrfs /dev/loop0 rw,subvol=/sv1\n"u8,
            .. "40 22 7:3 / /mnt/raw\\377name rw - tmpfs none\\040x rw\n"u8,
        ]);

        var mounts = MountTable.Read(file);

        Assert.Equal(3, mounts.Count);
        Assert.Equal(new MountEntry(22, 1, DeviceNumber.Make(8, 1), "/", "/", "ext4", "/dev/sda1", "rw,errors=remount-ro"), mounts[0]);
        Assert.Equal(new MountEntry(36, 22, DeviceNumber.Make(0, 45), "/sv1", "/mnt/with space\ttab\\slash", "btrfs", "/dev/loop0", "rw,subvol=/sv1"), mounts[1]);
        Assert.Equal([.. "/mnt/raw"u8, 0xff, .. "name"u8], PathEncoding.Encode(mounts[2].MountPoint));
        Assert.Equal("none x", mounts[2].Source);
    }

    [Fact]
    public void LineWithoutSeparatorIsRejectedWithItsNumber()
    {
        using var temp = new TemporaryDirectory();
        File.WriteAllText(temp["mountinfo"], "22 1 8:1 / / rw - ext4 /dev/sda1 rw\n23 22 8:2 / /x rw ext4 /dev/sda2 rw\n");

        var error = Assert.Throws<FormatException>(() => MountTable.Read(temp["mountinfo"]));

        Assert.Contains("line 2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ContainingComparesWholeComponentsAndPrefersTheLastOfStackedMounts()
    {
        MountEntry Mount(int id, string point) => new(id, 1, 0, "/", point, "ext4", "src", "rw");
        var mounts = new[] { Mount(1, "/"), Mount(2, "/mnt/a"), Mount(3, "/mnt/ab"), Mount(4, "/mnt/a"), Mount(5, "/mnt/a/b/c") };

        Assert.Equal(4, MountTable.Containing(mounts, "/mnt/a/b").MountId);
        Assert.Equal(4, MountTable.Containing(mounts, "/mnt/a").MountId);
        Assert.Equal(4, MountTable.Containing(mounts, "/mnt/a/").MountId);
        Assert.Equal(3, MountTable.Containing(mounts, "/mnt/ab/x").MountId);
        Assert.Equal(1, MountTable.Containing(mounts, "/mnt/abc").MountId);
        Assert.Equal(5, MountTable.Containing(mounts, "/mnt/a/b/c/d").MountId);
        Assert.Equal(1, MountTable.Containing(mounts, "/").MountId);
        Assert.Throws<ArgumentException>(() => MountTable.Containing(mounts, "relative"));
    }

    [RequiresRootFact("mount")]
    public void RealMountWithASpaceInItsPathIsReadBack()
    {
        using var temp = new TemporaryDirectory();
        var target = temp["with space"];
        Directory.CreateDirectory(target);
        Shell.Ok($"mount -t tmpfs -o size=1m 'scratch src' {Shell.Quote(target)}");
        try
        {
            Directory.CreateDirectory(Path.Combine(target, "sub"));

            var mount = MountTable.Containing(MountTable.Read(), Path.Combine(target, "sub"));

            Assert.Equal(target, mount.MountPoint);
            Assert.Equal("tmpfs", mount.FsType);
            Assert.Equal("scratch src", mount.Source);
            Assert.Equal("/", mount.Root);
            Assert.Equal(FilesystemInfo.Of(target).Device, mount.Device);
        }
        finally
        {
            Shell.Run($"umount {Shell.Quote(target)}");
        }
    }
}
