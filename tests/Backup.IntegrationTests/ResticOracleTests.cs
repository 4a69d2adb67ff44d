using System.Text.Json;
using Backup.IntegrationTests.Infrastructure;

namespace Backup.IntegrationTests;

/// <summary>
/// The real restic 0.14 is the oracle for the repository format, in both directions, on a tree with
/// every file type, hard links, xattrs and ACLs, odd names, deep nesting, sparse and large files.
/// </summary>
public sealed class ResticOracleTests
{
    /// <summary>Sockets are runtime objects that neither restic nor backupctl stores.</summary>
    private static readonly CompareOptions WithoutSockets = new() { Sockets = false };

    /// <summary>
    /// The sample tree without what restic 0.14 cannot represent: a symlink target that is not valid
    /// UTF-8 (0.14 stores it as U+FFFD; backupctl also stores the raw bytes, which changes that tree's ID).
    /// </summary>
    private static void CreateResticRepresentableTree(string root, int seed)
    {
        SampleTree.Create(root, seed);
        File.Delete(Path.Combine(root, "links", "odd-target"));
    }

    [RequiresRootFact("setfacl")]
    public void Our_backup_restores_with_backupctl_identically_including_what_restic_0_14_cannot_store()
    {
        using var temp = new TempDirectory();
        var source = temp.Sub("source");
        SampleTree.Create(source, seed: 5);
        var ours = new Backupctl(temp.Sub("repo"));
        ours.Ok("init");
        ours.Ok(["backup", "source"], temp.Path);
        ours.Ok("check", "--read-data");
        var target = temp.Sub("restored");
        ours.Ok("restore", "latest", "--target", target);

        var differences = TreeComparer.Compare(source, Path.Combine(target, "source"), WithoutSockets with { Sparseness = true });
        Assert.True(differences.Count == 0, "backupctl restored its own backup differently:\n" + string.Join('\n', differences));
    }

    [RequiresRootFact("restic", "setfacl")]
    public void Our_backup_passes_restic_check_read_data_and_restic_restores_it_identically()
    {
        using var temp = new TempDirectory();
        var source = temp.Sub("source");
        CreateResticRepresentableTree(source, seed: 1);
        var repo = temp.Sub("repo");
        var ours = new Backupctl(repo);
        ours.Ok("init");
        ours.Ok(["backup", "source"], temp.Path);

        var restic = new Restic(repo);
        restic.Ok("check", "--read-data");
        var target = temp.Sub("restored-by-restic");
        restic.Ok("restore", "latest", "--target", target);

        var differences = TreeComparer.Compare(source, Path.Combine(target, "source"), WithoutSockets);
        Assert.True(differences.Count == 0, "restic restored our backup differently:\n" + string.Join('\n', differences));
    }

    [RequiresRootFact("restic", "setfacl")]
    public void Restic_backup_restores_identically_with_backupctl_and_passes_our_check_read_data()
    {
        using var temp = new TempDirectory();
        var source = temp.Sub("source");
        CreateResticRepresentableTree(source, seed: 2);
        var repo = temp.Sub("repo");
        var restic = new Restic(repo);
        restic.Ok("init");
        Assert.Equal(0, restic.Run(["backup", "source"], temp.Path).ExitCode);

        var ours = new Backupctl(repo);
        ours.Ok("check", "--read-data");
        var target = temp.Sub("restored-by-us");
        ours.Ok("restore", "latest", "--target", target);

        var differences = TreeComparer.Compare(source, Path.Combine(target, "source"), WithoutSockets);
        Assert.True(differences.Count == 0, "backupctl restored restic's backup differently:\n" + string.Join('\n', differences));
    }

    [RequiresRootFact("restic", "setfacl")]
    public void Restic_and_backupctl_produce_the_same_root_tree_and_share_all_data_blobs()
    {
        using var temp = new TempDirectory();
        var source = temp.Sub("source");
        CreateResticRepresentableTree(source, seed: 3);
        var repo = temp.Sub("repo");
        var restic = new Restic(repo);
        restic.Ok("init");
        Assert.Equal(0, restic.Run(["backup", "source"], temp.Path).ExitCode);
        var blobsAfterRestic = DataBlobs(restic);

        var ours = new Backupctl(repo);
        var summary = JsonDocument.Parse(LastLine(ours.Ok(["backup", "--json", "source"], temp.Path))).RootElement;

        // Same unchanged directory, same tree bytes: restic's root tree and ours must be one blob.
        var snapshots = JsonDocument.Parse(restic.Ok("snapshots", "--json")).RootElement.EnumerateArray().ToList();
        Assert.Equal(2, snapshots.Count);
        var resticTree = snapshots.Single(s => s.GetProperty("id").GetString() != summary.GetProperty("snapshot_id").GetString()).GetProperty("tree").GetString();
        var ourTree = snapshots.Single(s => s.GetProperty("id").GetString() == summary.GetProperty("snapshot_id").GetString()).GetProperty("tree").GetString();
        Assert.Equal(resticTree, ourTree);

        // Nothing new was stored: every chunk of ours was already there from restic's backup.
        Assert.Equal(0, summary.GetProperty("data_blobs").GetInt64());
        Assert.Equal(blobsAfterRestic, DataBlobs(restic));
        restic.Ok("check", "--read-data");
    }

    [RequiresRootFact("restic", "setfacl")]
    public void Backupctl_backup_of_a_restic_repository_after_changes_adds_only_the_changed_data()
    {
        using var temp = new TempDirectory();
        var source = temp.Sub("source");
        CreateResticRepresentableTree(source, seed: 4);
        var repo = temp.Sub("repo");
        var ours = new Backupctl(repo);
        ours.Ok("init");
        ours.Ok(["backup", "source"], temp.Path);
        File.WriteAllBytes(Path.Combine(source, "changed-after-first-backup.bin"), RandomBytes(3_000_000, 9));

        var summary = JsonDocument.Parse(LastLine(ours.Ok(["backup", "--json", "source"], temp.Path))).RootElement;
        Assert.Equal(1, summary.GetProperty("files_new").GetInt64());
        Assert.Equal(0, summary.GetProperty("files_changed").GetInt64());
        Assert.True(summary.GetProperty("files_unmodified").GetInt64() > 10);
        Assert.Equal(3_000_000, summary.GetProperty("bytes_new").GetInt64());
        var scan = summary.GetProperty("scan");
        Assert.Equal("full", scan.GetProperty("kind").GetString());
        Assert.Equal("no change journal", scan.GetProperty("reason").GetString());
        Assert.True(scan.GetProperty("directories_visited").GetInt64() >= 2);

        var restic = new Restic(repo);
        restic.Ok("check", "--read-data");
        var target = temp.Sub("restored");
        restic.Ok("restore", "latest", "--target", target);
        var differences = TreeComparer.Compare(source, Path.Combine(target, "source"), WithoutSockets);
        Assert.True(differences.Count == 0, string.Join('\n', differences));
    }

    internal static string LastLine(string output) =>
        output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Last();

    internal static byte[] RandomBytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private static int DataBlobs(Restic restic) =>
        restic.Ok("list", "blobs").Split('\n', StringSplitOptions.RemoveEmptyEntries).Count(l => l.StartsWith("data ", StringComparison.Ordinal));
}
