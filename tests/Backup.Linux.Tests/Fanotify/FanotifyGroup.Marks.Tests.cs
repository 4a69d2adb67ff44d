using Backup.Linux.Fanotify;
using Backup.Linux.Tests.Infrastructure;

namespace Backup.Linux.Tests.Fanotify;

[Collection(FanotifyCollection.Name)]
public sealed class FanotifyGroupMarksTests
{
    [RequiresRootFact("mount", "mkfs.ext4", "truncate")]
    public void MarkedDeviceVanishesWhenItsFilesystemIsUnmounted()
    {
        using var ext4 = ScratchMount.Ext4();
        using var tmpfs = ScratchMount.Tmpfs();
        var ext4Device = FilesystemInfo.Of(ext4.MountPoint).Device;
        var tmpfsDevice = FilesystemInfo.Of(tmpfs.MountPoint).Device;
        using var group = FanotifyGroup.CreateChangeGroup();
        Assert.Empty(group.MarkedDevices());

        group.AddFilesystemMark(ext4.MountPoint, ChangeMask.Default);
        group.AddFilesystemMark(tmpfs.MountPoint, ChangeMask.Default);
        Assert.Equal(new[] { ext4Device, tmpfsDevice }.Order(), group.MarkedDevices().Order());

        ext4.Unmount();

        Assert.Equal([tmpfsDevice], group.MarkedDevices());
    }

    [RequiresRootFact("mount")]
    public void RemovingTheMarkStopsEvents()
    {
        using var scratch = ScratchMount.Tmpfs();
        using var group = FanotifyGroup.CreateChangeGroup();
        group.AddFilesystemMark(scratch.MountPoint, ChangeMask.Default);
        File.WriteAllText(scratch["before"], "x");
        Assert.NotEmpty(EventStream.ReadAll(group));

        group.RemoveFilesystemMark(scratch.MountPoint, ChangeMask.Default);
        File.WriteAllText(scratch["after"], "x");

        Assert.Empty(EventStream.ReadAll(group));
        Assert.Empty(group.MarkedDevices());
        var error = Assert.Throws<FanotifyMarkException>(() => group.RemoveFilesystemMark(scratch.MountPoint, ChangeMask.Default));
        Assert.Equal(Interop.Errors.ENOENT, error.Errno);
    }

    [RequiresRootFact]
    public void MarkOnMissingPathNamesThePath()
    {
        using var temp = new TemporaryDirectory();
        using var group = FanotifyGroup.CreateChangeGroup();

        var error = Assert.Throws<FanotifyMarkException>(() => group.AddFilesystemMark(temp["missing"], ChangeMask.Default));

        Assert.Equal(temp["missing"], error.Path);
        Assert.Equal(Interop.Errors.ENOENT, error.Errno);
        Assert.Contains(temp["missing"], error.Message, StringComparison.Ordinal);
    }

    [RequiresRootFact("mount")]
    public void MarkOnOverlayfsExplainsWhy()
    {
        using var temp = new TemporaryDirectory();
        foreach (var name in new[] { "lower", "upper", "work", "merged" })
        {
            Directory.CreateDirectory(temp[name]);
        }

        Shell.Ok($"mount -t overlay overlay -o lowerdir={temp["lower"]},upperdir={temp["upper"]},workdir={temp["work"]} {Shell.Quote(temp["merged"])}");
        try
        {
            using var group = FanotifyGroup.CreateChangeGroup();

            var error = Assert.Throws<FanotifyMarkException>(() => group.AddFilesystemMark(temp["merged"], ChangeMask.Default));

            Assert.Equal(Interop.Errors.EOPNOTSUPP, error.Errno);
            Assert.Contains("overlayfs", error.Message, StringComparison.Ordinal);
            Assert.NotNull(FilesystemInfo.WhyUnwatchable(FilesystemInfo.Of(temp["merged"])));
        }
        finally
        {
            Shell.Ok($"umount {Shell.Quote(temp["merged"])}");
        }
    }

    [RequiresRootFact("mount")]
    public void ReadWithABufferTooSmallForOneEventSaysSo()
    {
        using var scratch = ScratchMount.Tmpfs();
        using var group = FanotifyGroup.CreateChangeGroup();
        group.AddFilesystemMark(scratch.MountPoint, ChangeMask.Default);
        Assert.Equal(0, group.Read(new byte[4096]));
        File.WriteAllText(scratch["file"], "x");
        Assert.True(group.WaitReadable(5000));

        var error = Assert.Throws<IOException>(() => group.Read(new byte[16]));

        Assert.Contains("too small", error.Message, StringComparison.Ordinal);
        Assert.True(group.Read(new byte[4096]) > 0, "the event must still be queued after the refused read");
    }
}
