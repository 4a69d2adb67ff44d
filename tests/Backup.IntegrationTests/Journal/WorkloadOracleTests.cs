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
    private const int ChangeOperations = 120;

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

    [RequiresRootTheory("mkfs.ext4", "mkfs.btrfs", "btrfs", "losetup")]
    [InlineData("ext4")]
    [InlineData("btrfs")]
    public void Workload_with_the_same_seed_on_the_same_starting_tree_makes_the_same_changes(string type)
    {
        using var first = type == "btrfs" ? LoopFilesystem.Btrfs() : LoopFilesystem.Ext4();
        using var second = type == "btrfs" ? LoopFilesystem.Btrfs() : LoopFilesystem.Ext4();
        var logs = new List<IReadOnlyList<string>>();
        foreach (var filesystem in new[] { first, second })
        {
            using var workload = new Workload(filesystem.MountPoint, seed: 7, new WorkloadOptions { HoldFilesOpen = true });
            workload.Populate(InitialOperations);
            workload.Apply(ChangeOperations);
            logs.Add(workload.Log);
        }

        Assert.Equal(logs[0], logs[1]);

        // Times the workload does not set come from the clock; everything else must match.
        var differences = TreeComparer.Compare(first.MountPoint, second.MountPoint).Where(d => !d.What.StartsWith("mtime ", StringComparison.Ordinal)).ToList();
        Assert.True(differences.Count == 0, "the same seed made different trees:\n" + string.Join('\n', differences.Take(30)));
    }

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

    private static void CheckAgainstRestic(LoopFilesystem filesystem, int seed)
    {
        // One repository for both tools: the chunker polynomial is chosen per repository, so only
        // within one do equal files get equal content blobs.
        using var temp = new TempDirectory("backup-journal-");
        var ours = new Backupctl(temp.Sub("repo"));
        ours.Ok("init");
        var restic = new Restic(ours.Repository);

        using var workload = new Workload(filesystem.MountPoint, seed, new WorkloadOptions { HoldFilesOpen = true });
        workload.Populate(InitialOperations);
        var source = new Source(filesystem, ours, restic, workload);
        source.AssertSameTrees("the starting tree");

        for (var round = 1; round <= 2; round++)
        {
            workload.Apply(ChangeOperations);
            source.AssertSameTrees($"after change round {round}");
        }
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

        public void AssertSameTrees(string state)
        {
            string[] resticArgs = resticParent is null ? ["backup", "--json", name] : ["backup", "--json", "--parent", resticParent, name];
            var resticResult = restic.Run(resticArgs, workingDirectory);
            Assert.True(resticResult.ExitCode == 0, $"restic backup ({state}) exited {resticResult.ExitCode}:\n{resticResult.StdErr}\n{workload.Describe()}");
            resticParent = SnapshotTrees.SnapshotId(resticResult.StdOut);
            var resticTree = SnapshotTrees.RootTree(restic, resticParent);

            string[] ourArgs = ourParent is null ? ["backup", "--json", name] : ["backup", "--json", "--parent", ourParent, name];
            ourParent = SnapshotTrees.SnapshotId(ours.Ok(ourArgs, workingDirectory));
            var ourTree = SnapshotTrees.RootTree(restic, ourParent);
            AssertEqual(state, "restic", resticTree, "backupctl", ourTree);

            var forcedTree = SnapshotTrees.RootTree(restic, SnapshotTrees.SnapshotId(ours.Ok(["backup", "--json", "--force", name], workingDirectory)));
            AssertEqual(state, "backupctl --force", forcedTree, "backupctl with its parent", ourTree);
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
