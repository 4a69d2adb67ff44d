using System.Diagnostics;
using Backup.IntegrationTests.Infrastructure;

namespace Backup.IntegrationTests;

/// <summary>The documented exit codes, with messages that say what is wrong and what to do.</summary>
public sealed class ExitCodeTests
{
    [Fact]
    public void Wrong_password_exits_12_and_says_so()
    {
        using var temp = new TempDirectory();
        new Backupctl(temp.Sub("repo")).Ok("init");

        var result = new Backupctl(temp.Sub("repo"), "not the password").Run("snapshots");
        Assert.Equal(12, result.ExitCode);
        Assert.Contains("wrong password", result.StdErr);
    }

    [Fact]
    public void Missing_repository_exits_10_and_names_the_location()
    {
        using var temp = new TempDirectory();
        var missing = temp.Sub("nothing-here");

        var result = new Backupctl(missing).Run("snapshots");
        Assert.Equal(10, result.ExitCode);
        Assert.Contains(missing, result.StdErr);
        Assert.Contains("backupctl init", result.StdErr);
    }

    [Fact]
    public void Init_refuses_a_location_that_already_holds_a_repository()
    {
        using var temp = new TempDirectory();
        var ours = new Backupctl(temp.Sub("repo"));
        ours.Ok("init");

        var result = ours.Run("init");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("already exists", result.StdErr);
    }

    [RequiresToolFact("restic")]
    public void A_repository_locked_exclusively_by_restic_exits_11_naming_the_lock_holder()
    {
        using var temp = new TempDirectory();
        var repo = temp.Sub("repo");
        var restic = new Restic(repo);
        restic.Ok("init");
        var source = temp.Sub("source");
        Directory.CreateDirectory(source);
        File.WriteAllBytes(Path.Combine(source, "big"), ResticOracleTests.RandomBytes(64 << 20, 5));
        restic.Ok("backup", source);

        using var holder = restic.StartHoldingExclusiveLock(temp.Sub("cache"));
        try
        {
            var result = new Backupctl(repo).Run("backup", source);
            Assert.Equal(11, result.ExitCode);
            Assert.Contains("exclusive lock", result.StdErr);
            Assert.Contains($"PID {holder.Id}", result.StdErr);
        }
        finally
        {
            holder.Kill();
            holder.WaitForExit();
        }
    }

    [RequiresRootFact()]
    public void Unreadable_source_file_still_saves_a_snapshot_and_exits_3()
    {
        using var temp = new TempDirectory();
        var source = temp.Sub("source");
        Directory.CreateDirectory(source);
        File.WriteAllText(Path.Combine(source, "readable"), "fine");
        File.WriteAllText(Path.Combine(source, "secret"), "no");
        File.SetUnixFileMode(Path.Combine(source, "secret"), UnixFileMode.None);
        var repo = temp.Sub("repo");
        new Backupctl(repo).Ok("init");
        ProcessRunner.Run("chown", ["-R", "nobody:nogroup", temp.Path]);

        // Root reads everything; run as nobody so the kernel really refuses the read.
        var env = new Dictionary<string, string> { ["BACKUP_REPOSITORY"] = repo, ["BACKUP_PASSWORD"] = Restic.Password, ["DOTNET_CLI_HOME"] = temp.Path, ["HOME"] = temp.Path };
        var result = ProcessRunner.Run("setpriv", ["--reuid=nobody", "--regid=nogroup", "--clear-groups", .. Backupctl.Command, "backup", "--json", source], env, temp.Path);
        Assert.True(result.ExitCode == 3, $"exit {result.ExitCode}: {result.StdErr}");
        Assert.Contains("secret", result.StdErr);
        Assert.Contains("snapshot_id", result.StdOut);

        var listing = new Backupctl(repo).Ok("ls", "latest");
        Assert.Contains("/readable", listing);
        Assert.DoesNotContain("/secret", listing);
    }
}
