using Backup.Linux.Btrfs;
using Backup.Linux.Tests.Infrastructure;

namespace Backup.Linux.Tests.Btrfs;

/// <summary>MountTopLevel and Unmount: a private top-level mount beside a subvolume-only mount, as on distributions with / = @.</summary>
public sealed class BtrfsFilesystemMountTests
{
    [RequiresRootFact("mkfs.btrfs", "btrfs", "losetup")]
    public void MountTopLevel_shows_every_subvolume_and_Unmount_detaches_it()
    {
        using var fs = new BtrfsImage();
        fs.Run("btrfs -q subvolume create sv1 && btrfs -q subvolume create sv1/nested && echo x > sv1/nested/file");
        var target = fs.Outside("run/top");
        fs.Track(target);

        Assert.Equal(target, BtrfsFilesystem.MountTopLevel(fs.Device, target));

        Assert.True(BtrfsImage.IsMounted(target));
        Assert.True(Directory.Exists(Path.Combine(target, "sv1")));
        Assert.Equal("x\n", File.ReadAllText(Path.Combine(target, "sv1/nested/file")));
        Assert.Equal(5ul, BtrfsFilesystem.GetSubvolumeInfo(target).Id);

        // mountinfo: the mount's root within the filesystem, its per-mount options, then the superblock options.
        var line = Shell.Ok($"findmnt -n -o FSROOT,VFS-OPTIONS,FS-OPTIONS --mountpoint {Shell.Quote(target)}").StdOut.Trim();
        var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("/", fields[0]);
        Assert.Contains("nosuid", fields[1].Split(','));
        Assert.Contains("nodev", fields[1].Split(','));
        Assert.Contains("noexec", fields[1].Split(','));
        Assert.Contains("subvolid=5", fields[2].Split(','));

        BtrfsFilesystem.Unmount(target);

        Assert.False(BtrfsImage.IsMounted(target));
        Assert.Empty(Directory.EnumerateFileSystemEntries(target));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(target));
    }

    [RequiresRootFact("mkfs.btrfs", "btrfs", "losetup")]
    public void MountTopLevel_works_when_only_a_subvolume_is_mounted_and_into_an_existing_directory()
    {
        using var fs = new BtrfsImage();
        fs.Run("btrfs -q subvolume create sv1 && echo x > sv1/file");
        var subvolumeOnly = fs.Outside("sv1-only");
        Directory.CreateDirectory(subvolumeOnly);
        fs.Track(subvolumeOnly);
        Shell.Ok($"umount {Shell.Quote(fs.Root)} && mount -o subvol=sv1 {fs.Device} {Shell.Quote(subvolumeOnly)}");
        Assert.Equal(256ul, BtrfsFilesystem.GetSubvolumeInfo(subvolumeOnly).Id);

        var target = fs.Outside("existing");
        Directory.CreateDirectory(target);
        fs.Track(target);
        BtrfsFilesystem.MountTopLevel(fs.Device, target);

        Assert.Equal("x\n", File.ReadAllText(Path.Combine(target, "sv1/file")));
        BtrfsFilesystem.Unmount(target);
    }

    [RequiresRootFact("mkfs.btrfs", "btrfs", "losetup")]
    public void Unmount_failures_name_the_path_the_call_and_the_error()
    {
        using var fs = new BtrfsImage();
        var target = fs.Outside("busy");
        fs.Track(target);
        BtrfsFilesystem.MountTopLevel(fs.Device, target);

        using (File.Create(Path.Combine(target, "open")))
        {
            var busy = Assert.Throws<BtrfsException>(() => BtrfsFilesystem.Unmount(target));
            Assert.Equal(16, busy.Errno);
            Assert.Contains("umount2", busy.Message);
            Assert.Contains(target, busy.Message);
            Assert.Contains("EBUSY", busy.Message, StringComparison.Ordinal);
        }

        BtrfsFilesystem.Unmount(target);
        var notMounted = Assert.Throws<BtrfsException>(() => BtrfsFilesystem.Unmount(target));
        Assert.Equal(22, notMounted.Errno);
        Assert.Contains(target, notMounted.Message);
    }

    [RequiresRootFact("mkfs.btrfs", "btrfs", "losetup")]
    public async Task Unmount_waits_a_moment_for_a_file_that_is_being_closed()
    {
        using var fs = new BtrfsImage();
        var target = fs.Outside("briefly-busy");
        fs.Track(target);
        BtrfsFilesystem.MountTopLevel(fs.Device, target);
        var file = File.Create(Path.Combine(target, "open"));
        var closing = Task.Run(async () =>
        {
            await Task.Delay(TimeSpan.FromMilliseconds(200));
            await file.DisposeAsync();
        });

        BtrfsFilesystem.Unmount(target);

        await closing;
        Assert.False(BtrfsImage.IsMounted(target));
    }

    [RequiresRootFact("mkfs.btrfs", "btrfs", "losetup")]
    public void MountTopLevel_of_a_device_without_btrfs_fails_naming_device_and_target()
    {
        using var fs = new BtrfsImage();
        var image = fs.Outside("blank");
        Shell.Ok($"truncate -s 10M {Shell.Quote(image)}");
        var device = Shell.Ok($"losetup --find --show {Shell.Quote(image)}").StdOut.Trim();
        try
        {
            var target = fs.Outside("blank-mount");
            fs.Track(target);
            var error = Assert.Throws<BtrfsException>(() => BtrfsFilesystem.MountTopLevel(device, target));
            Assert.Contains(device, error.Message);
            Assert.Contains(target, error.Message);
            Assert.False(BtrfsImage.IsMounted(target));
        }
        finally
        {
            Shell.Run($"losetup -d {device}");
        }
    }
}
