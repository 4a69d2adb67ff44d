namespace Backup.IntegrationTests.Journal;

/// <summary>Loop-mounted test filesystems: remounting keeps the device, and disposing leaves nothing behind.</summary>
public sealed class LoopFilesystemTests
{
    [RequiresRootTheory("mkfs.ext4", "mkfs.btrfs", "btrfs", "losetup")]
    [InlineData("ext4")]
    [InlineData("btrfs")]
    public void Loop_filesystem_remount_keeps_the_device_and_the_contents(string type)
    {
        using var filesystem = type == "btrfs" ? LoopFilesystem.Btrfs() : LoopFilesystem.Ext4();
        Assert.StartsWith("/dev/loop", filesystem.Device, StringComparison.Ordinal);
        if (type == "btrfs")
        {
            filesystem.CreateSubvolume("sv1");
        }

        File.WriteAllText(filesystem.PathOf("kept"), "survives a remount");
        var device = filesystem.Device;
        filesystem.Remount();
        Assert.Equal(device, filesystem.Device);
        Assert.Equal("survives a remount", File.ReadAllText(filesystem.PathOf("kept")));
    }

    [RequiresRootFact("mkfs.ext4", "losetup")]
    public void Loop_filesystem_is_cleaned_up_even_while_a_file_in_it_is_open()
    {
        var filesystem = LoopFilesystem.Ext4();
        var backingFile = $"/sys/block/{Path.GetFileName(filesystem.Device)}/loop/backing_file";
        using (var open = File.Create(filesystem.PathOf("held")))
        {
            filesystem.Dispose();
            Assert.False(Directory.Exists(Path.GetDirectoryName(filesystem.MountPoint)), "the mount's directory is still there");
            Assert.DoesNotContain(File.ReadLines("/proc/self/mountinfo"), l => l.Contains(filesystem.MountPoint, StringComparison.Ordinal));
        }

        // The lazily unmounted filesystem lets go of the loop device once its last file is closed.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (File.Exists(backingFile) && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(50);
        }

        Assert.False(File.Exists(backingFile), $"{filesystem.Device} is still attached");
    }
}
