using Backup.IntegrationTests.Infrastructure;

namespace Backup.IntegrationTests.Journal;

/// <summary>The workload itself: reproducible from its seed, and making every kind of change it promises.</summary>
public sealed class WorkloadTests
{
    private const int InitialOperations = 150;
    private const int ChangeOperations = 150;

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
            if (type == "btrfs")
            {
                filesystem.CreateSubvolume("sv1");
                filesystem.CreateSubvolume("sv1/nested");
            }

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

    [RequiresRootFact]
    public void Workload_makes_every_kind_of_change()
    {
        using var tmpfs = new Tmpfs();
        using var workload = new Workload(tmpfs.MountPoint, seed: 21, new WorkloadOptions { HoldFilesOpen = true });
        workload.Populate(InitialOperations);
        workload.Apply(600);
        string[] kinds =
        [
            "create file ", "write ", "append ", "truncate ", "chmod ", "chown ", "setxattr ", "removexattr ", "utimes ",
            "hard link ", "unlink ", "symlink ", "retarget ", "mkfifo ", "mkdir ", "rmdir ", "rename directory ",
            "delete subtree ", "mmap write ", "held write: open ", "held write ",
        ];
        var lines = workload.Log.Select(l => l[(l.IndexOf(' ', StringComparison.Ordinal) + 1)..]).ToList();
        var missing = kinds.Where(k => !lines.Any(l => l.StartsWith(k, StringComparison.Ordinal))).ToList();
        Assert.True(missing.Count == 0, $"never made: {string.Join(", ", missing)}\n{workload.Describe(int.MaxValue)}");
        Assert.Contains(lines, l => l.StartsWith("rename ", StringComparison.Ordinal) && l.Contains(" over ", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("rename \"", StringComparison.Ordinal) && l.Contains(" to ", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Contains("FAILED", StringComparison.Ordinal));
    }
}
