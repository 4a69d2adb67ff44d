using System.Globalization;

namespace Backup.IntegrationTests.Journal;

/// <summary>
/// The central property of the change journal: after a seeded random workload, the snapshot backupd takes from
/// the journal (visiting only the directories it recorded) holds exactly the tree of a full scan and of
/// restic's own backup of the same state. Runs on a loop-mounted ext4 and on btrfs with subvolumes, across
/// seeds. Each seed: a first backup (a full scan), then <see cref="Rounds"/> rounds of random changes, each
/// followed by a run compared with both full scans. Rounds are journal runs except two:
/// <list type="bullet">
/// <item>round <see cref="RestartRound"/> stops backupd, changes more while it is not running and starts it
/// again (ext4: a full scan because of the gap; btrfs: bridged by generations, a journal run);</item>
/// <item>round <see cref="OverflowRound"/> freezes backupd while a burst of changes overflows its fanotify
/// queue, whose length <see cref="QueueLength"/> every start sets, so the kernel drops the round's changes:
/// a full scan because of the overflow, after which the journal takes over again.</item>
/// </list>
/// </summary>
[Collection(JournalCollection.Name)]
public sealed class JournalEquivalenceTests
{
    private const int Rounds = 5;
    private const int Operations = 120;
    private const int RestartRound = 3;
    private const int OverflowRound = 4;

    /// <summary>
    /// backupd's fanotify queue length. A round of <see cref="Operations"/> changes queues 96 to 239 events over the
    /// seeds here even when backupd reads none of them, so other rounds never overflow it; the overflow round's burst
    /// queues at least <see cref="BurstFiles"/>.
    /// </summary>
    private const int QueueLength = 2048;

    private const int BurstFiles = 2 * QueueLength;

    /// <summary>Seeds 101…; BACKUP_JOURNAL_SEEDS=N runs N of them (more than the test suite's default, for a sweep).</summary>
    public static TheoryData<int> Ext4Seeds => Seeds(101, 5);

    public static TheoryData<int> BtrfsSeeds => Seeds(201, 6);

    [RequiresRootTheory("restic", "mkfs.ext4", "losetup", "systemd-socket-activate")]
    [MemberData(nameof(Ext4Seeds))]
    public void Ext4_journal_snapshots_equal_full_scans_and_restic_across_restarts(int seed)
    {
        using var filesystem = LoopFilesystem.Ext4();
        Check(filesystem, seed);
    }

    [RequiresRootTheory("restic", "mkfs.btrfs", "btrfs", "losetup", "systemd-socket-activate")]
    [MemberData(nameof(BtrfsSeeds))]
    public void Btrfs_journal_snapshots_equal_full_scans_and_restic_and_restarts_are_bridged(int seed)
    {
        using var filesystem = LoopFilesystem.Btrfs();
        filesystem.CreateSubvolume("sv1");
        filesystem.CreateSubvolume("sv1/nested");
        Check(filesystem, seed);
    }

    private static TheoryData<int> Seeds(int first, int count)
    {
        if (int.TryParse(Environment.GetEnvironmentVariable("BACKUP_JOURNAL_SEEDS"), out var wanted) && wanted > 0)
        {
            count = wanted;
        }

        var seeds = new TheoryData<int>();
        for (var i = 0; i < count; i++)
        {
            seeds.Add(first * 100 + i);
        }

        return seeds;
    }

    private static void Check(LoopFilesystem filesystem, int seed)
    {
        using var workload = new Workload(filesystem.MountPoint, seed, new WorkloadOptions { HoldFilesOpen = true });
        workload.Populate(150);
        using var daemon = new JournalDaemon(filesystem.MountPoint);
        daemon.Start(QueueLength);

        var first = daemon.Run();
        Assert.Equal("full", first.ScanKind);
        Assert.Contains("first backup", first.Reason);
        daemon.AssertSameAsFullScans(first.SnapshotId, $"seed {seed}, initial", () => workload.Describe());

        var journalRuns = 0;
        for (var round = 1; round <= Rounds; round++)
        {
            var restart = round == RestartRound;
            var overflow = round == OverflowRound;
            if (overflow)
            {
                // backupd reads nothing while frozen: the burst fills its queue and the kernel drops the round's changes.
                using (daemon.Freeze())
                {
                    Burst(filesystem.PathOf("overflow-burst"));
                    workload.Apply(Operations);
                }
            }
            else
            {
                workload.Apply(Operations);
            }

            if (restart)
            {
                daemon.Stop();

                // Changes made while backupd is not running: only a full scan or btrfs generations can see them.
                workload.Apply(Operations / 2);
                daemon.Start(QueueLength);
            }

            var run = daemon.Run();
            var state = $"{filesystem.Type}, seed {seed}, round {round}{(restart ? " (after a restart)" : overflow ? " (after an overflow)" : "")}, scan {run.ScanKind} ({run.Reason})";
            if (restart && filesystem.Type == "ext4")
            {
                Assert.True(run.ScanKind == "full", state);
                Assert.Contains("started watching", run.Reason);
            }
            else if (overflow)
            {
                Assert.True(run.ScanKind == "full", state + "\n" + daemon.Daemon.Output);
                Assert.Contains("overflowed", run.Reason);
            }
            else
            {
                Assert.True(run.ScanKind == "journal", state + "\n" + daemon.Daemon.Output);
                journalRuns++;
            }

            daemon.AssertSameAsFullScans(run.SnapshotId, state, () => workload.Describe());
        }

        Assert.Equal(Rounds - 1 - (filesystem.Type == "ext4" ? 1 : 0), journalRuns);
    }

    /// <summary>
    /// Creates <see cref="BurstFiles"/> files in a new directory and removes them again: at least one event each,
    /// and none of them left for the rounds' workload to choose from.
    /// </summary>
    private static void Burst(string directory)
    {
        Directory.CreateDirectory(directory);
        for (var i = 0; i < BurstFiles; i++)
        {
            File.WriteAllBytes(Path.Combine(directory, i.ToString(CultureInfo.InvariantCulture)), [1]);
        }

        Directory.Delete(directory, recursive: true);
    }
}

/// <summary>
/// Tests that start backupd with its change journal run one at a time: the fanotify queue length
/// (fs.fanotify.max_queued_events) is global and some of them lower it.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class JournalCollection
{
    public const string Name = "change journal";
}
