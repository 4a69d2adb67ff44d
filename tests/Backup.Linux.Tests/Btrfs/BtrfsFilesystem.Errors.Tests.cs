using Backup.Linux.Btrfs;
using Backup.Core.FileSystem;

namespace Backup.Linux.Tests.Btrfs;

/// <summary>IsBtrfs, and what the calls say on a filesystem that is not btrfs or a path that does not exist.</summary>
public sealed class BtrfsFilesystemErrorsTests
{
    [RequiresRootFact("mkfs.btrfs", "btrfs", "losetup")]
    public void IsBtrfs_tells_btrfs_from_other_filesystems()
    {
        using var fs = new BtrfsImage();
        fs.Run("btrfs -q subvolume create sv1 && echo x > sv1/file");

        Assert.True(BtrfsFilesystem.IsBtrfs(fs.Root));
        Assert.True(BtrfsFilesystem.IsBtrfs(fs["sv1/file"]));
        Assert.False(BtrfsFilesystem.IsBtrfs("/proc"));
        Assert.False(BtrfsFilesystem.IsBtrfs(fs.Outside("")));
    }

    [Fact]
    public void Calls_on_another_filesystem_name_the_ioctl_the_path_and_the_cause()
    {
        var error = Assert.Throws<BtrfsException>(() => BtrfsFilesystem.ChangedSince("/proc", 1));
        Assert.Equal(25, error.Errno);
        Assert.Contains("BTRFS_IOC_", error.Message, StringComparison.Ordinal);
        Assert.Contains("\"/proc\"", error.Message, StringComparison.Ordinal);
        Assert.Contains("not on a btrfs filesystem", error.Message, StringComparison.Ordinal);

        Assert.Contains("BTRFS_IOC_GET_SUBVOL_INFO", Assert.Throws<BtrfsException>(() => BtrfsFilesystem.GetSubvolumeInfo("/proc")).Message, StringComparison.Ordinal);
        Assert.Contains("BTRFS_IOC_TREE_SEARCH_V2", Assert.Throws<BtrfsException>(() => BtrfsFilesystem.ListSubvolumes("/proc")).Message, StringComparison.Ordinal);
        Assert.Contains("BTRFS_IOC_INO_PATHS", Assert.Throws<BtrfsException>(() => BtrfsFilesystem.InodePaths("/proc", 300)).Message, StringComparison.Ordinal);
        Assert.Contains("BTRFS_IOC_SYNC", Assert.Throws<BtrfsException>(() => BtrfsFilesystem.Sync("/proc")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_path_is_reported_as_such()
    {
        var error = Assert.Throws<FileSystemException>(() => BtrfsFilesystem.ChangedSince("/nonexistent/backup-btrfs-test", 1));
        Assert.Equal(2, error.Errno);
        Assert.Contains("/nonexistent/backup-btrfs-test", error.Message, StringComparison.Ordinal);
        Assert.Throws<FileSystemException>(() => BtrfsFilesystem.IsBtrfs("/nonexistent/backup-btrfs-test"));
    }
}
