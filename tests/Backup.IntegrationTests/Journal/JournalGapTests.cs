using System.Globalization;
using Backup.IntegrationTests.Infrastructure;

namespace Backup.IntegrationTests.Journal;

/// <summary>
/// Every reason for doubting the journal's continuity leads to a full scan that says so, and the snapshot is still
/// the full scan's. After the full scan the journal takes over again.
/// </summary>
[Collection(JournalCollection.Name)]
public sealed class JournalGapTests
{
    [RequiresRootFact("restic", "mkfs.ext4", "losetup", "systemd-socket-activate")]
    public void An_overflowing_event_queue_is_a_full_scan_with_that_reason()
    {
        using var filesystem = LoopFilesystem.Ext4();
        CheckOverflow(filesystem, 301);
    }

    [RequiresRootFact("restic", "mkfs.btrfs", "btrfs", "losetup", "systemd-socket-activate")]
    public void An_overflowing_event_queue_on_btrfs_with_subvolumes_is_a_full_scan_with_that_reason()
    {
        using var filesystem = LoopFilesystem.Btrfs();
        filesystem.CreateSubvolume("sv1");
        filesystem.CreateSubvolume("sv1/nested");
        CheckOverflow(filesystem, 305);
    }

    private static void CheckOverflow(LoopFilesystem filesystem, int seed)
    {
        using var workload = new Workload(filesystem.MountPoint, seed);
        workload.Populate(100);
        using var daemon = new JournalDaemon(filesystem.MountPoint);
        daemon.Start(queueLength: 16);
        Assert.Equal("full", daemon.Run().ScanKind);

        var overflowed = false;
        for (var round = 0; round < 4 && !overflowed; round++)
        {
            workload.Apply(400);
            var run = daemon.Run();
            overflowed = run.ScanKind == "full";
            if (overflowed)
            {
                Assert.Contains("overflowed", run.Reason);
            }

            daemon.AssertSameAsFullScans(run.SnapshotId, $"overflow round {round}: {run.ScanKind} ({run.Reason})", () => workload.Describe());
        }

        Assert.True(overflowed, "400 changes never overflowed a 16-event queue:\n" + daemon.Daemon.Output);
    }

    [RequiresRootFact("restic", "mkfs.ext4", "losetup", "systemd-socket-activate")]
    public void Unmounting_and_mounting_the_source_filesystem_again_is_a_full_scan_and_watching_resumes()
    {
        using var filesystem = LoopFilesystem.Ext4();
        using var workload = new Workload(filesystem.MountPoint, 302);
        workload.Populate(80);
        using var daemon = new JournalDaemon(filesystem.MountPoint);
        daemon.Start();
        daemon.Run();

        filesystem.Remount();
        workload.Apply(60);
        var run = daemon.Run();
        Assert.Equal("full", run.ScanKind);
        Assert.Contains("unmounted or remounted", run.Reason);
        daemon.AssertSameAsFullScans(run.SnapshotId, "after a remount", () => workload.Describe());

        // The filesystem is marked again: the next changes are journaled.
        workload.Apply(60);
        daemon.RunJournalAndCompare("after the remount's full scan", () => workload.Describe());
    }

    [RequiresRootFact("restic", "mkfs.ext4", "losetup", "systemd-socket-activate")]
    public void Changed_excludes_watch_false_full_and_a_due_periodic_scan_each_say_why()
    {
        using var filesystem = LoopFilesystem.Ext4();
        using var workload = new Workload(filesystem.MountPoint, 303);
        workload.Populate(80);
        using var daemon = new JournalDaemon(filesystem.MountPoint);
        daemon.Start();
        Assert.Contains("first backup", daemon.Run().Reason);

        workload.Apply(30);
        var forced = daemon.Run(full: true);
        Assert.Equal(("full", "a full scan was requested"), (forced.ScanKind, forced.Reason));

        daemon.WriteJob("exclude: ['*.tmp']");
        Assert.Equal(0, daemon.Daemon.Ctl("reload").ExitCode);
        workload.Apply(30);
        var changed = daemon.Run();
        Assert.Equal("full", changed.ScanKind);
        Assert.Contains("excludes or options changed", changed.Reason);
        Assert.Equal("journal", daemon.Run().ScanKind);

        daemon.WriteJob("exclude: ['*.tmp']\nwatch: false");
        Assert.Equal(0, daemon.Daemon.Ctl("reload").ExitCode);
        Assert.Contains("watch: false", daemon.Run().Reason);

        daemon.WriteJob("exclude: ['*.tmp']\nfull_scan_every: 1s");
        Assert.Equal(0, daemon.Daemon.Ctl("reload").ExitCode);
        daemon.Run();
        Thread.Sleep(1100);
        workload.Apply(30);
        var periodic = daemon.Run();
        Assert.Equal("full", periodic.ScanKind);
        Assert.Contains("periodic full scan is due (full_scan_every: 1s", periodic.Reason);
        daemon.AssertSameAsFullScans(periodic.SnapshotId, "periodic", () => workload.Describe());
    }

    [RequiresRootFact("restic", "mkfs.ext4", "losetup", "systemd-socket-activate")]
    public void A_filesystem_mounted_under_the_source_is_a_full_scan_and_status_tells_the_next_scan()
    {
        using var filesystem = LoopFilesystem.Ext4();
        using var workload = new Workload(filesystem.MountPoint, 304);
        workload.Populate(60);
        using var daemon = new JournalDaemon(filesystem.MountPoint);
        daemon.Start();
        daemon.Run();

        var status = daemon.Status()["journal"]!;
        Assert.True(status["watching"]!.GetValue<bool>(), status.ToJsonString());
        Assert.Equal("journal", status["next_scan"]!["kind"]!.GetValue<string>());

        var mountPoint = Path.Combine(filesystem.MountPoint, "mounted-here");
        Directory.CreateDirectory(mountPoint);
        ProcessRunner.Run("mount", ["-t", "tmpfs", "-o", "size=8m", "tmpfs", mountPoint]);
        try
        {
            File.WriteAllText(Path.Combine(mountPoint, "inside"), "not on the watched filesystem");
            var next = daemon.Status()["journal"]!["next_scan"]!;
            Assert.Equal("full", next["kind"]!.GetValue<string>());
            var run = daemon.Run();
            Assert.Equal("full", run.ScanKind);
            Assert.Contains("mounted or unmounted under the job's sources", run.Reason);
            daemon.AssertSameAsFullScans(run.SnapshotId, "with a tmpfs mounted under the source", () => workload.Describe());
        }
        finally
        {
            ProcessRunner.Run("umount", [mountPoint]);
        }
    }

    [RequiresRootFact("restic", "mkfs.ext4", "losetup", "systemd-socket-activate")]
    public void A_source_on_overlayfs_cannot_be_watched_and_is_always_scanned_in_full()
    {
        using var filesystem = LoopFilesystem.Ext4();
        foreach (var dir in new[] { "lower", "upper", "work", "merged" })
        {
            Directory.CreateDirectory(filesystem.PathOf(dir));
        }

        File.WriteAllText(filesystem.PathOf("lower/file"), "lower");
        var merged = filesystem.PathOf("merged");
        var mounted = ProcessRunner.Run("mount", ["-t", "overlay", "overlay", "-o", string.Create(CultureInfo.InvariantCulture, $"lowerdir={filesystem.PathOf("lower")},upperdir={filesystem.PathOf("upper")},workdir={filesystem.PathOf("work")}"), merged]);
        Assert.True(mounted.ExitCode == 0, mounted.StdErr);
        try
        {
            using var daemon = new JournalDaemon(merged);
            daemon.Start();
            daemon.Run();
            File.WriteAllText(Path.Combine(merged, "new"), "x");
            var run = daemon.Run();
            Assert.Equal("full", run.ScanKind);
            Assert.Contains("cannot be watched", run.Reason);
            Assert.Contains("overlay", run.Reason);
        }
        finally
        {
            ProcessRunner.Run("umount", [merged]);
        }
    }

    [RequiresRootFact("restic", "mkfs.ext4", "losetup", "systemd-socket-activate")]
    public void Changes_the_journal_could_not_write_to_a_full_disk_make_the_next_run_full_with_that_reason()
    {
        using var filesystem = LoopFilesystem.Ext4();
        using var workload = new Workload(filesystem.MountPoint, 306);
        workload.Populate(80);

        // backupd's state directory (state.db) on a small filesystem of its own, which is then filled up.
        var daemon = new JournalDaemon(filesystem.MountPoint);
        var stateDirectory = daemon.Daemon.StateDirectory;
        var mounted = ProcessRunner.Run("mount", ["-t", "tmpfs", "-o", "size=16m,mode=0700", "tmpfs", stateDirectory]);
        Assert.True(mounted.ExitCode == 0, mounted.StdErr);
        try
        {
            daemon.Start();
            daemon.Run();
            workload.Apply(30);
            Assert.Equal("journal", daemon.Run().ScanKind);

            var filler = Path.Combine(stateDirectory, "filler");
            ProcessRunner.Run("dd", ["if=/dev/zero", $"of={filler}", "bs=64k"]);
            workload.Apply(60);
            var deadline = System.Diagnostics.Stopwatch.StartNew();
            while (!daemon.Daemon.Output.Contains("change journal: writing changes failed", StringComparison.Ordinal))
            {
                Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(20), "the journal's writes never failed on the full state directory:\n" + daemon.Daemon.Output);
                Thread.Sleep(100);
            }

            // The batch that failed is not in memory any more; once the disk has room, the next run must not trust
            // the journal across it.
            File.Delete(filler);
            var run = daemon.Run();
            Assert.Equal("full", run.ScanKind);
            Assert.Contains("writing the change journal failed", run.Reason);
            daemon.AssertSameAsFullScans(run.SnapshotId, "after the journal could not be written", () => workload.Describe());

            workload.Apply(30);
            daemon.RunJournalAndCompare("after the full scan that followed", () => workload.Describe());
        }
        finally
        {
            daemon.Dispose();
            ProcessRunner.Run("umount", [stateDirectory]);
        }
    }
}
