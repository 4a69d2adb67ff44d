using System.Text.Json;
using Backup.IntegrationTests.Infrastructure;

namespace Backup.IntegrationTests;

/// <summary>snapshots, ls and cat: what scripts parse must stay parseable.</summary>
public sealed class ListingCommandTests
{
    [Fact]
    public void Snapshots_ls_and_cat_print_json_that_matches_the_backup()
    {
        using var temp = new TempDirectory();
        var source = temp.Sub("source");
        Directory.CreateDirectory(Path.Combine(source, "dir"));
        File.WriteAllText(Path.Combine(source, "dir", "new\nline \"quoted\""), "x");
        File.WriteAllText(Path.Combine(source, "plain"), "hello");
        var ours = new Backupctl(temp.Sub("repo"));
        ours.Ok("init");
        var summary = JsonDocument.Parse(ResticOracleTests.LastLine(ours.Ok(["backup", "--json", "--tag", "t1", "source"], temp.Path))).RootElement;
        var snapshotId = summary.GetProperty("snapshot_id").GetString()!;

        var snapshots = JsonDocument.Parse(ours.Ok("snapshots", "--json")).RootElement;
        var only = Assert.Single(snapshots.EnumerateArray());
        Assert.Equal(snapshotId, only.GetProperty("id").GetString());
        Assert.Equal(snapshotId[..8], only.GetProperty("short_id").GetString());
        Assert.Equal("t1", only.GetProperty("tags")[0].GetString());
        Assert.Equal(source, only.GetProperty("paths")[0].GetString());

        var lines = ours.Ok("ls", "--json", snapshotId[..6]).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal("snapshot", lines[0].GetProperty("struct_type").GetString());
        var paths = lines.Skip(1).Select(n => n.GetProperty("path").GetString()).ToList();
        Assert.Contains("/source/dir/new\nline \"quoted\"", paths);
        var plain = lines.Single(n => n.TryGetProperty("path", out var p) && p.GetString() == "/source/plain");
        Assert.Equal(5, plain.GetProperty("size").GetInt64());
        Assert.Equal("file", plain.GetProperty("type").GetString());

        // Text listing escapes the control character instead of printing it raw.
        Assert.Contains("/source/dir/new\\nline \\\"quoted\\\"", ours.Ok("ls", "latest"));

        var config = JsonDocument.Parse(ours.Ok("cat", "config")).RootElement;
        Assert.Equal(2, config.GetProperty("version").GetInt32());
        var snapshotJson = JsonDocument.Parse(ours.Ok("cat", "snapshot", "latest")).RootElement;
        var tree = snapshotJson.GetProperty("tree").GetString()!;
        var treeJson = JsonDocument.Parse(ours.Ok("cat", "blob", tree)).RootElement;
        Assert.Equal("source", treeJson.GetProperty("nodes")[0].GetProperty("name").GetString());
    }

    [RequiresToolFact("restic")]
    public void A_stale_lock_of_a_killed_restic_blocks_until_unlock_removes_it()
    {
        using var temp = new TempDirectory();
        var repo = temp.Sub("repo");
        var restic = new Restic(repo);
        restic.Ok("init");
        var source = temp.Sub("source");
        Directory.CreateDirectory(source);
        File.WriteAllBytes(Path.Combine(source, "big"), ResticOracleTests.RandomBytes(64 << 20, 6));
        restic.Ok("backup", source);

        using (var holder = restic.StartHoldingExclusiveLock(temp.Sub("cache")))
        {
            holder.Kill();
            holder.WaitForExit();
        }

        Assert.NotEmpty(Directory.GetFiles(Path.Combine(repo, "locks")));
        var ours = new Backupctl(repo);
        var blocked = ours.Run("backup", source);
        Assert.Equal(11, blocked.ExitCode);
        Assert.Contains("stale", blocked.StdErr);
        Assert.Contains("backupctl unlock", blocked.StdErr);

        Assert.Contains("removed 1 lock", ours.Ok("unlock"));
        ours.Ok("backup", source);
        restic.Ok("check");
    }
}
