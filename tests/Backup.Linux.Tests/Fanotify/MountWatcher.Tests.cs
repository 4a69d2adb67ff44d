using Backup.Linux.Fanotify;
using Backup.Linux.Tests.Infrastructure;

namespace Backup.Linux.Tests.Fanotify;

[Collection(FanotifyCollection.Name)]
public sealed class MountWatcherTests
{
    [RequiresRootFact("mount")]
    public void FanotifyWatcherSeesMountAndUnmount()
    {
        using var watcher = MountWatcher.Create();

        Assert.True(watcher.UsesFanotify, "kernel 6.14+ with CAP_SYS_ADMIN: the mount-namespace mark should be available");
        SeesMountAndUnmount(watcher);

        // At least the attach and the detach came through fanotify, not only through mountinfo.
        Assert.True(watcher.MountEventCount >= 2, $"{watcher.MountEventCount} fanotify mount events");
    }

    [RequiresRootFact("mount")]
    public void MountinfoPollingSeesMountAndUnmount()
    {
        using var watcher = MountWatcher.CreatePolling();

        Assert.False(watcher.UsesFanotify);
        SeesMountAndUnmount(watcher);
        Assert.Equal(0, watcher.MountEventCount);
    }

    private static void SeesMountAndUnmount(MountWatcher watcher)
    {
        using var temp = new TemporaryDirectory();
        var target = temp["m"];
        Directory.CreateDirectory(target);
        AssertQuiet(watcher);

        Shell.Ok($"mount -t tmpfs -o size=1m tmpfs {Shell.Quote(target)}");
        try
        {
            Assert.True(watcher.WaitForChange(5000), "no change reported after mount");
            AssertQuiet(watcher);

            // fanotify's FAN_MNT_ATTACH/DETACH say nothing about remounts; mountinfo does.
            Shell.Ok($"mount -o remount,size=2m {Shell.Quote(target)}");
            Assert.True(watcher.WaitForChange(5000), "no change reported after remount");
            AssertQuiet(watcher);
        }
        finally
        {
            Shell.Run($"umount {Shell.Quote(target)}");
        }

        Assert.True(watcher.WaitForChange(5000), "no change reported after umount");
        AssertQuiet(watcher);
    }

    /// <summary>
    /// Nothing is reported while the mount table stays the same. Other programs on the machine may mount
    /// something in any given window, so one quiet window out of several suffices.
    /// </summary>
    private static void AssertQuiet(MountWatcher watcher)
    {
        for (var attempt = 0; attempt < 10; attempt++)
        {
            if (!watcher.WaitForChange(200))
            {
                return;
            }
        }

        Assert.Fail("a change was reported in each of ten 200 ms windows without mounts");
    }
}
