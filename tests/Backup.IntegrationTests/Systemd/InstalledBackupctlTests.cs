using System.Text.Json.Nodes;
using Backup.IntegrationTests.Daemon;
using Backup.IntegrationTests.Infrastructure;

namespace Backup.IntegrationTests.Systemd;

/// <summary>
/// The backupctl that scripts/publish.sh installs is native code (Native AOT), trimmed to what the
/// compiler can see. The other tests run the built backupctl.dll; these run the installed program
/// through the commands an administrator uses, so that anything trimming removed, or code that
/// only works with a JIT, fails here and not on someone's server.
/// </summary>
public sealed class InstalledBackupctlTests
{
    private static string Program => Path.Combine(InstalledBackup.PublishDirectory, "usr", "bin", "backupctl");

    [RequiresRootFact("restic", "setfacl", "gcc")]
    public void The_installed_backupctl_is_native_code_and_backs_up_lists_restores_and_checks_as_restic_reads_it()
    {
        // Native code: an ELF executable with no managed entry assembly beside it.
        var binary = Path.Combine(InstalledBackup.PublishDirectory, "usr", "lib", "backup", "backupctl");
        Assert.False(File.Exists(binary + ".dll"), "backupctl.dll is installed: backupctl is not the native program");
        Assert.Equal("\u007fELF"u8.ToArray(), File.ReadAllBytes(binary)[..4]);

        using var temp = new TempDirectory();
        var source = temp.Sub("source");
        SampleTree.Create(source, seed: 3);
        File.Delete(Path.Combine(source, "links", "odd-target")); // restic 0.14 cannot store that target (see ResticOracleTests)
        var repo = temp.Sub("repo");
        var ours = new Backupctl(repo, command: [Program]);

        Assert.Contains("Usage:", ours.Ok("--help"), StringComparison.Ordinal);
        var init = JsonNode.Parse(ours.Ok("init", "--json"))!;
        Assert.Equal("initialized", init["message_type"]!.GetValue<string>());
        Assert.Equal(repo, init["repository"]!.GetValue<string>());

        var summary = JsonNode.Parse(ResticOracleTests.LastLine(ours.Ok(["backup", "--json", "source"], temp.Path)))!;
        var snapshotId = summary["snapshot_id"]!.GetValue<string>();
        var snapshots = JsonNode.Parse(ours.Ok("snapshots", "--json"))!.AsArray();
        Assert.Equal(snapshotId, Assert.Single(snapshots)!["id"]!.GetValue<string>());
        Assert.Contains("/source/" + SampleTree.SmallFile, ours.Ok("ls", "latest"), StringComparison.Ordinal);
        Assert.Equal(JsonNode.Parse(new Restic(repo).Ok("cat", "config"))!["id"]!.GetValue<string>(),
            JsonNode.Parse(ours.Ok("cat", "config"))!["id"]!.GetValue<string>());
        var key = Assert.Single(JsonNode.Parse(ours.Ok("key", "list", "--json"))!.AsArray())!;
        Assert.True(key["current"]!.GetValue<bool>());
        Assert.Equal(Environment.UserName, key["userName"]!.GetValue<string>());
        ours.Ok("check", "--read-data");

        var restored = temp.Sub("restored");
        ours.Ok("restore", snapshotId, "--target", restored);
        var differences = TreeComparer.Compare(source, Path.Combine(restored, "source"), new CompareOptions { Sockets = false });
        Assert.True(differences.Count == 0, "the installed backupctl restored differently:\n" + string.Join('\n', differences));

        var restic = new Restic(repo);
        restic.Ok("check", "--read-data");
        var byRestic = temp.Sub("restored-by-restic");
        restic.Ok("restore", snapshotId, "--target", byRestic);
        differences = TreeComparer.Compare(source, Path.Combine(byRestic, "source"), new CompareOptions { Sockets = false });
        Assert.True(differences.Count == 0, "restic restored the installed backupctl's backup differently:\n" + string.Join('\n', differences));
    }

    [RequiresToolFact("systemd-socket-activate", "gcc")]
    public void The_installed_backupctl_checks_job_files_and_runs_a_job_in_backupd()
    {
        using var daemon = new DaemonFixture();
        var ours = new Backupctl(daemon.Repository, command: [Program]);
        File.WriteAllText(Path.Combine(daemon.Source, "a.txt"), "hello");
        daemon.WriteJob("home");
        File.WriteAllText(Path.Combine(daemon.JobsDirectory, "broken.yaml"), "sources: [/srv]\nrepository: /backup\nschedule: every tuesday\n");

        var check = ours.Run("config", "check", "--config-dir", daemon.ConfigDirectory);
        Assert.Equal(1, check.ExitCode);
        Assert.Contains(Path.Combine(daemon.JobsDirectory, "broken.yaml") + ":3:", check.StdOut + check.StdErr, StringComparison.Ordinal);
        File.Delete(Path.Combine(daemon.JobsDirectory, "broken.yaml"));
        ours.Ok("config", "check", "--config-dir", daemon.ConfigDirectory);

        daemon.Start();
        var run = (JsonObject)JsonNode.Parse(ResticOracleTests.LastLine(ours.Ok("--socket", daemon.SocketPath, "run", "home", "--wait", "--json")))!;
        Assert.Equal("success", run["result"]!.GetValue<string>());
        Assert.Equal("full", run["scan"]!["kind"]!.GetValue<string>());
        Assert.Contains("home", ours.Ok("--socket", daemon.SocketPath, "jobs"), StringComparison.Ordinal);
        var status = ours.Ok("--socket", daemon.SocketPath, "status", "home");
        Assert.Contains("success", status, StringComparison.Ordinal);
        Assert.Contains(run["snapshot_id"]!.GetValue<string>()[..8], ours.Ok("snapshots"), StringComparison.Ordinal);
    }
}
