using Backup.Core.Archiving;
using Backup.Daemon.Watching;
using Backup.Daemon.State;
using Backup.Daemon.Tests.State;

namespace Backup.Daemon.Tests.Watching;

public sealed class JournalStoreTests : IDisposable
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);

    private readonly TempDirectory _dir = new();
    private readonly SqliteStateStore _state;
    private readonly JournalStore _store;

    public JournalStoreTests()
    {
        _state = new SqliteStateStore(_dir.StateDb);
        _store = new JournalStore(_dir.StateDb);
    }

    public void Dispose()
    {
        _store.Dispose();
        _state.Dispose();
        _dir.Dispose();
    }

    [Fact]
    public void Each_batch_gets_a_higher_sequence_and_flags_of_one_directory_accumulate()
    {
        var fs = _store.Filesystem(0x801, "ext4", "/");
        var first = _store.Record([(fs.FsId, [1, 2], DirtyFlags.Children, null)], [], [], [], T0);
        var second = _store.Record([(fs.FsId, [1, 2], DirtyFlags.Self, null), (fs.FsId, [3], DirtyFlags.Recursive, null)], [], [], [], T0);
        Assert.True(second > first);
        Assert.Equal(second, _store.CurrentSeq());

        var rows = _store.DirtyHandles(fs.FsId, 0).ToDictionary(r => r.Handle[0]);
        Assert.Equal(DirtyFlags.Children | DirtyFlags.Self, rows[1].Flags);
        Assert.Equal(DirtyFlags.Recursive, rows[3].Flags);

        // Only what changed after a cut counts for the job that took it.
        Assert.Equal([(byte)1, (byte)3], _store.DirtyHandles(fs.FsId, first).Select(r => r.Handle[0]).Order());
        Assert.Empty(_store.DirtyHandles(fs.FsId, second));
    }

    [Fact]
    public void A_gap_after_a_jobs_cut_is_found_and_one_before_it_is_not()
    {
        var fs = _store.Filesystem(0x801, "ext4", "/");
        var watching = _store.StartWatching(fs.FsId, T0, "backupd started watching");
        var cut = _store.Record([], [], [], [], T0);
        Assert.Null(_store.FirstGapAfter(fs.FsId, cut));
        Assert.Equal("backupd started watching", _store.FirstGapAfter(fs.FsId, watching - 1)!.Reason);

        _store.Record([], [], [], [(fs.FsId, "the queue overflowed")], T0.AddMinutes(1));
        var gap = _store.FirstGapAfter(fs.FsId, cut);
        Assert.Equal("the queue overflowed", gap!.Reason);
        Assert.Equal(T0.AddMinutes(1), gap.At);
    }

    [Fact]
    public void Committing_keeps_rows_an_older_job_still_needs_and_drops_them_once_every_job_passed()
    {
        var fs = _store.Filesystem(0x801, "ext4", "/");
        var s1 = _store.Record([(fs.FsId, [1], DirtyFlags.Children, null)], [(fs.FsId, "/a", DirtyFlags.Children)], [(fs.FsId, 5, 77)], [], T0);
        _store.Commit(new JobCut("old", s1 - 1, T0, "aaaa", "h", "m", T0), []);
        var s2 = _store.Record([(fs.FsId, [2], DirtyFlags.Children, null)], [], [], [], T0);
        _store.Commit(new JobCut("new", s2, T0, "bbbb", "h", "m", T0), []);

        // "old" has not seen change 1 yet: it stays.
        Assert.Equal(2, _store.DirtyHandles(fs.FsId, s1 - 1).Count);
        Assert.Single(_store.DirtyPaths(fs.FsId, s1 - 1));
        Assert.Equal([new InodeKey(5, 77)], _store.Inodes(fs.FsId, s1 - 1));

        _store.Commit(new JobCut("old", s2, T0, "cccc", "h", "m", T0), []);
        Assert.Empty(_store.DirtyHandles(fs.FsId, 0));
        Assert.Empty(_store.DirtyPaths(fs.FsId, 0));
        Assert.Empty(_store.Inodes(fs.FsId, 0));
        Assert.Equal("cccc", _store.Job("old")!.SnapshotId);
    }

    [Fact]
    public void Paths_keep_bytes_that_are_not_utf8()
    {
        var fs = _store.Filesystem(0x801, "ext4", "/");
        var path = "/sv1/" + Backup.Core.FileSystem.PathEncoding.Decode([0x76, 0xc3, 0x28, 0xff]) + "/x";
        _store.Record([], [(fs.FsId, path, DirtyFlags.Children)], [], [], T0);
        Assert.Equal(path, Assert.Single(_store.DirtyPaths(fs.FsId, 0)).Path);
    }

    [Fact]
    public void Btrfs_checkpoints_keep_the_newest_generation_per_subvolume()
    {
        var fs = _store.Filesystem(0x2a, "btrfs", "/run/x");
        _store.Commit(new JobCut("a", 10, T0, "s", "h", "m", T0), [(fs.FsId, 5UL, 100UL), (fs.FsId, 256UL, 90UL)]);
        _store.Commit(new JobCut("b", 8, T0, "s", "h", "m", T0), [(fs.FsId, 5UL, 80UL)]);
        var checkpoints = _store.BtrfsCheckpoints(fs.FsId);
        Assert.Equal((100UL, 10L), checkpoints[5]);
        Assert.Equal((90UL, 10L), checkpoints[256]);
    }

    [Fact]
    public void The_same_device_keeps_its_row_and_watching_since_is_recorded()
    {
        var a = _store.Filesystem(0x801, "ext4", "/");
        var b = _store.Filesystem(0x801, "ext4", "/mnt");
        Assert.Equal(a.FsId, b.FsId);
        Assert.Null(b.WatchingSince);
        var seq = _store.StartWatching(a.FsId, T0, null);
        var row = _store.Filesystems().Single();
        Assert.Equal(T0, row.WatchingSince);
        Assert.Equal(seq, row.WatchingSinceSeq);
        Assert.Equal("/mnt", row.MarkPath);
        Assert.Null(_store.FirstGapAfter(a.FsId, 0));
    }
}
