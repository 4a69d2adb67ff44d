using Backup.IntegrationTests.Infrastructure;

namespace Backup.IntegrationTests.Journal;

/// <summary>
/// Validates the journal test harness with the full-scan engine: every state <see cref="Workload"/>
/// produces on a real ext4 or btrfs (with subvolumes) is stored by backupctl with exactly restic 0.14's
/// root tree, and a backup that uses its parent snapshot equals one that reads everything (--force).
/// </summary>
public sealed class WorkloadOracleTests
{
    private const int InitialOperations = 150;
    private const int ChangeOperations = 150;

    [RequiresRootTheory("restic", "mkfs.ext4", "losetup")]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Ext4_workload_states_get_restics_root_tree_from_backupctl_with_and_without_parent(int seed)
    {
        using var filesystem = LoopFilesystem.Ext4();
        CheckAgainstRestic(filesystem, seed);
    }

    [RequiresRootTheory("restic", "mkfs.btrfs", "btrfs", "losetup")]
    [InlineData(11)]
    [InlineData(12)]
    [InlineData(13)]
    public void Btrfs_with_subvolumes_workload_states_get_restics_root_tree_from_backupctl_with_and_without_parent(int seed)
    {
        using var filesystem = LoopFilesystem.Btrfs();
        filesystem.CreateSubvolume("sv1");
        filesystem.CreateSubvolume("sv1/nested");
        CheckAgainstRestic(filesystem, seed);
    }

    private static void CheckAgainstRestic(LoopFilesystem filesystem, int seed)
    {
        // One repository for both tools: the chunker polynomial is chosen per repository, so only
        // within one do equal files get equal content blobs.
        using var temp = new TempDirectory("backup-journal-");
        var ours = new Backupctl(temp.Sub("repo"));
        ours.Ok("init");
        var restic = new Restic(ours.Repository);

        // Files of up to 2 MiB still span several chunks; larger ones would only make the run longer.
        using var workload = new Workload(filesystem.MountPoint, seed, new WorkloadOptions { HoldFilesOpen = true, MaxFileSize = 2 * 1024 * 1024 });
        workload.Populate(InitialOperations);
        var source = new Source(filesystem, ours, restic, workload);
        source.AssertSameTrees("the starting tree", withParent: false);
        workload.Apply(ChangeOperations);
        source.AssertSameTrees($"after {ChangeOperations} changes", withParent: true);
    }

    /// <summary>
    /// The mounted filesystem as both tools see it: backed up as "mnt" from its parent directory, each
    /// tool with its own previous snapshot as the explicit parent.
    /// </summary>
    private sealed class Source(LoopFilesystem filesystem, Backupctl ours, Restic restic, Workload workload)
    {
        private readonly string workingDirectory = Path.GetDirectoryName(filesystem.MountPoint)!;
        private readonly string name = Path.GetFileName(filesystem.MountPoint);
        private string? resticParent;
        private string? ourParent;

        /// <param name="withParent">Back up with the previous snapshots as parents, and compare with a backupctl --force backup.</param>
        public void AssertSameTrees(string state, bool withParent)
        {
            string[] resticArgs = withParent ? ["backup", "--json", "--parent", resticParent!, name] : ["backup", "--json", name];
            var resticResult = restic.Run(resticArgs, workingDirectory);
            Assert.True(resticResult.ExitCode == 0, $"restic backup ({state}) exited {resticResult.ExitCode}:\n{resticResult.StdErr}\n{workload.Describe()}");
            resticParent = SnapshotId(resticResult.StdOut);

            string[] ourArgs = withParent ? ["backup", "--json", "--parent", ourParent!, name] : ["backup", "--json", name];
            var ourOutput = ours.Ok(ourArgs, workingDirectory);
            if (withParent)
            {
                // The comparison with --force below only means something if unchanged files were taken from the parent.
                var summary = SnapshotTrees.Summary(ourOutput);
                Assert.Equal(ourParent, summary.GetProperty("parent").GetString());
                Assert.True(summary.GetProperty("files_unmodified").GetInt64() > 0, "backupctl found no unmodified file:\n" + ourOutput);
            }

            ourParent = SnapshotId(ourOutput);
            var forced = withParent ? SnapshotId(ours.Ok(["backup", "--json", "--force", name], workingDirectory)) : null;

            var trees = SnapshotTrees.RootTrees(restic);
            AssertEqual(state, "restic", trees[resticParent], "backupctl", trees[ourParent]);
            if (forced is not null)
            {
                AssertEqual(state, "backupctl --force", trees[forced], "backupctl with its parent", trees[ourParent]);
            }
        }

        private string SnapshotId(string backupJsonOutput)
        {
            var summary = SnapshotTrees.Summary(backupJsonOutput);
            var warnings = summary.TryGetProperty("warnings", out var count) ? count.GetInt32() : 0;
            Assert.True(warnings == 0, $"the backup reported {warnings} warnings:\n{backupJsonOutput}\n{workload.Describe()}");
            return summary.GetProperty("snapshot_id").GetString()!;
        }

        private void AssertEqual(string state, string expectedName, string expectedTree, string actualName, string actualTree)
        {
            if (expectedTree == actualTree)
            {
                return;
            }

            Assert.Fail(
                $"{filesystem.Type}, {state}: {actualName} stored root tree {actualTree[..12]}, {expectedName} {expectedTree[..12]}.\n" +
                $"Nodes that differ ({expectedName} vs {actualName}):\n" +
                SnapshotTrees.Describe(restic, expectedTree, restic, actualTree) + "\n" +
                workload.Describe());
        }
    }
}
