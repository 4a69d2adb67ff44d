using System.Text.Json.Nodes;
using Backup.IntegrationTests.Infrastructure;

namespace Backup.IntegrationTests.Daemon;

/// <summary>backupd for real: socket activation, runs, cancellation, SIGTERM, access control, bad job files.</summary>
public sealed class BackupDaemonTests : IDisposable
{
    private readonly DaemonFixture _daemon = new();

    public void Dispose() => _daemon.Dispose();

    [RequiresToolFact("restic", "systemd-socket-activate")]
    public void Run_wait_through_a_socket_activated_daemon_saves_a_snapshot_restic_accepts()
    {
        File.WriteAllText(Path.Combine(_daemon.Source, "a.txt"), "hello");
        _daemon.WriteJob("home");
        _daemon.Start();
        Assert.DoesNotContain("backupd started", _daemon.Output);

        var result = _daemon.CtlJson("run", "home", "--wait");

        Assert.Equal("success", result["result"]!.GetValue<string>());
        Assert.Equal("manual", result["trigger"]!.GetValue<string>());
        Assert.Equal(1, result["files_new"]!.GetValue<long>());
        var snapshotId = result["snapshot_id"]!.GetValue<string>();
        Assert.Contains("control socket received from systemd", _daemon.Output);
        new Restic(_daemon.Repository).Ok("check", "--read-data");
        Assert.Contains(snapshotId, new Restic(_daemon.Repository).Ok("snapshots", "--json"));

        var history = _daemon.CtlJson("history", "home");
        Assert.Equal(snapshotId, history["runs"]![0]!["snapshot_id"]!.GetValue<string>());

        // The second run finds everything unchanged through the parent.
        var second = _daemon.CtlJson("run", "home", "--wait");
        Assert.Equal(1, second["files_unmodified"]!.GetValue<long>());
    }

    [RequiresToolFact("restic", "systemd-socket-activate")]
    public void Between_runs_the_kept_index_is_an_unnamed_file_in_the_cache_directory_and_the_next_run_deduplicates_against_it()
    {
        for (var i = 0; i < 50; i++)
        {
            File.WriteAllText(Path.Combine(_daemon.Source, $"f{i}.txt"), string.Concat(Enumerable.Repeat($"file {i} ", 100)));
        }

        _daemon.WriteJob("home");
        _daemon.Start();
        Assert.Equal("success", _daemon.CtlJson("run", "home", "--wait")["result"]!.GetValue<string>());

        // A moment after the run the index moves out of the heap: a mapping of a file without a name.
        var maps = $"/proc/{_daemon.DaemonPid}/maps";
        var deadline = System.Diagnostics.Stopwatch.StartNew();
        while (!File.ReadAllLines(maps).Any(line => line.Contains($"{_daemon.CacheDirectory}/#") && line.EndsWith(" (deleted)")))
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(20), $"no index file mapped from {_daemon.CacheDirectory}:\n{_daemon.Output}");
            Thread.Sleep(100);
        }

        Assert.Empty(Directory.EnumerateFileSystemEntries(_daemon.CacheDirectory));

        // A copy of a backed-up file is found in that index: the run adds one data blob, for the new file only.
        File.Copy(Path.Combine(_daemon.Source, "f7.txt"), Path.Combine(_daemon.Source, "copy.txt"));
        File.WriteAllText(Path.Combine(_daemon.Source, "new.txt"), "new content");
        var second = _daemon.CtlJson("run", "home", "--wait");

        Assert.Equal("success", second["result"]!.GetValue<string>());
        Assert.Equal(2, second["files_new"]!.GetValue<long>());
        var restic = new Restic(_daemon.Repository);
        var snapshot = JsonNode.Parse(new Backupctl(_daemon.Repository).Ok("cat", "snapshot", second["snapshot_id"]!.GetValue<string>()))!;
        Assert.Equal(1, snapshot["summary"]!["data_blobs"]!.GetValue<long>());
        restic.Ok("check", "--read-data");
        Assert.Equal(File.ReadAllText(Path.Combine(_daemon.Source, "f7.txt")), restic.Ok("dump", "latest", Path.Combine(_daemon.Source, "copy.txt")));
    }

    [RequiresToolFact("restic", "systemd-socket-activate")]
    public void A_password_from_a_systemd_credential_opens_the_repository()
    {
        File.WriteAllText(Path.Combine(_daemon.Source, "a.txt"), "hello");
        File.WriteAllText(Path.Combine(_daemon.CredentialsDirectory, "home-password"), Restic.Password + "\n");
        File.WriteAllText(Path.Combine(_daemon.JobsDirectory, "home.yaml"), $"sources: [{_daemon.Source}]\nrepository: {_daemon.Repository}\npassword_credential: home-password\n");
        File.WriteAllText(Path.Combine(_daemon.JobsDirectory, "wrong.yaml"), $"sources: [{_daemon.Source}]\nrepository: {_daemon.Repository}\npassword_credential: missing\n");
        _daemon.Start();

        Assert.Equal("success", _daemon.CtlJson("run", "home", "--wait")["result"]!.GetValue<string>());
        var wrong = _daemon.CtlJson("run", "wrong", "--wait");
        Assert.Equal("failed", wrong["result"]!.GetValue<string>());
        Assert.Contains("credential", wrong["error"]!.GetValue<string>());
        Assert.DoesNotContain(Restic.Password, _daemon.Output);
    }

    [RequiresToolFact("restic", "systemd-socket-activate")]
    public void Cancel_during_a_run_leaves_a_repository_restic_check_accepts()
    {
        WriteLargeSource(files: 10);
        _daemon.WriteJob("home");
        _daemon.Start();

        Assert.Equal(0, _daemon.Ctl("run", "home").ExitCode);
        WaitForFirstPack();
        var cancel = _daemon.Ctl("cancel", "home");
        Assert.True(cancel.ExitCode == 0, cancel.StdErr);
        _daemon.WaitForState("home", "idle", TimeSpan.FromSeconds(60));

        var history = _daemon.CtlJson("history", "home");
        Assert.Equal("cancelled", history["runs"]![0]!["result"]!.GetValue<string>());
        Assert.Empty(Directory.GetFiles(Path.Combine(_daemon.Repository, "locks")));
        Assert.Empty(Directory.GetFiles(Path.Combine(_daemon.Repository, "snapshots")));
        new Restic(_daemon.Repository).Ok("check", "--read-data");
    }

    [RequiresToolFact("restic", "systemd-socket-activate")]
    public void Sigterm_during_a_run_stops_cleanly_and_the_restarted_daemon_remembers_the_run()
    {
        WriteLargeSource(files: 10);
        _daemon.WriteJob("home");
        _daemon.Start();
        Assert.Equal(0, _daemon.Ctl("run", "home").ExitCode);
        WaitForFirstPack();

        _daemon.Signal("TERM");
        Assert.Equal(0, _daemon.WaitForExit(TimeSpan.FromSeconds(60)));
        Assert.Empty(Directory.GetFiles(Path.Combine(_daemon.Repository, "locks")));
        new Restic(_daemon.Repository).Ok("check", "--read-data");

        _daemon.Start();
        var history = _daemon.CtlJson("history", "home");
        Assert.Equal("interrupted", history["runs"]![0]!["result"]!.GetValue<string>());

        // What the interrupted run stored is reused: the next run completes and restic accepts it.
        Assert.Equal("success", _daemon.CtlJson("run", "home", "--wait")["result"]!.GetValue<string>());
        new Restic(_daemon.Repository).Ok("check");
    }

    [RequiresToolFact("restic", "systemd-socket-activate")]
    public void Sigterm_to_a_waiting_backupctl_cancels_the_job_in_the_daemon()
    {
        WriteLargeSource(files: 6);
        _daemon.WriteJob("home");
        _daemon.Start();

        // What systemctl stop backup@home does: SIGTERM to the backupctl that waits for the run.
        var info = new System.Diagnostics.ProcessStartInfo(Backupctl.Command[0], [.. Backupctl.Command.Skip(1), "--socket", _daemon.SocketPath, "run", "home", "--wait"])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        using var client = System.Diagnostics.Process.Start(info)!;
        _daemon.WaitForState("home", "running", TimeSpan.FromSeconds(30));
        ProcessRunner.Run("kill", ["-TERM", client.Id.ToString()]);
        Assert.True(client.WaitForExit(TimeSpan.FromSeconds(30)));
        Assert.Equal(130, client.ExitCode);
        Assert.Contains("asked backupd to cancel", client.StandardError.ReadToEnd());

        _daemon.WaitForState("home", "idle", TimeSpan.FromSeconds(60));
        Assert.Equal("cancelled", _daemon.CtlJson("history", "home")["runs"]![0]!["result"]!.GetValue<string>());
        Assert.True(new Restic(_daemon.Repository).Run("check").ExitCode == 0, _daemon.Output + _daemon.CtlJson("history", "home").ToJsonString());
    }

    [RequiresToolFact("restic", "systemd-socket-activate")]
    public void A_daemon_killed_during_a_run_records_it_as_interrupted_after_restart()
    {
        WriteLargeSource(files: 6);
        _daemon.WriteJob("home");
        _daemon.Start();
        Assert.Equal(0, _daemon.Ctl("run", "home").ExitCode);
        _daemon.WaitForState("home", "running", TimeSpan.FromSeconds(30));

        _daemon.Signal("KILL");
        _daemon.WaitForExit(TimeSpan.FromSeconds(10));
        _daemon.Start();

        var history = _daemon.CtlJson("history", "home");
        Assert.Equal("interrupted", history["runs"]![0]!["result"]!.GetValue<string>());
        Assert.Contains("interrupted", _daemon.Output);
    }

    [RequiresRootFact("systemd-socket-activate")]
    public void A_client_that_is_neither_root_nor_in_group_backup_may_list_but_not_run()
    {
        _daemon.WriteJob("home");
        _daemon.Start();
        Assert.Equal(0, _daemon.Ctl("jobs").ExitCode);

        // Let the kernel admit user nobody to the socket so that SO_PEERCRED decides.
        File.SetUnixFileMode(_daemon.SocketPath, (UnixFileMode)0x1B6);
        ProcessRunner.Run("chmod", ["755", _daemon.Root, _daemon.RuntimeDirectory]);
        var env = new Dictionary<string, string> { ["HOME"] = "/tmp", ["DOTNET_CLI_HOME"] = "/tmp", ["BACKUP_SOCKET"] = _daemon.SocketPath };
        ProcessResult AsNobody(params string[] args) =>
            ProcessRunner.Run("setpriv", new[] { "--reuid=nobody", "--regid=nogroup", "--clear-groups" }.Concat(Backupctl.Command).Concat(args), env, "/tmp");

        var list = AsNobody("jobs");
        Assert.True(list.ExitCode == 0, list.StdErr);
        Assert.Contains("home", list.StdOut);

        var run = AsNobody("run", "home", "--wait");
        Assert.Equal(1, run.ExitCode);
        Assert.Contains("group \"backup\"", run.StdErr);
        Assert.Contains("refused \"run\" from uid 65534", _daemon.Output);
        Assert.Empty(Directory.GetFiles(Path.Combine(_daemon.Repository, "snapshots")));
    }

    [RequiresToolFact("systemd-socket-activate")]
    public void An_invalid_job_file_disables_only_that_job_and_unknown_jobs_are_named()
    {
        File.WriteAllText(Path.Combine(_daemon.Source, "a.txt"), "hello");
        _daemon.WriteJob("home");
        File.WriteAllText(Path.Combine(_daemon.JobsDirectory, "broken.yaml"), "sources: [/x]\nrepository: /r\nschedul: daily\n");
        _daemon.Start();

        var jobs = _daemon.CtlJson("jobs");
        Assert.Equal("home", jobs["jobs"]![0]!["name"]!.GetValue<string>());
        var problems = jobs["disabled"]!["broken"]!.AsArray().Select(p => p!.GetValue<string>()).ToList();
        Assert.Contains(problems, p => p.Contains("broken.yaml:3:1") && p.Contains("did you mean 'schedule'"));

        var broken = _daemon.Ctl("run", "broken", "--wait");
        Assert.Equal(1, broken.ExitCode);
        Assert.Contains("disabled", broken.StdErr);
        Assert.Contains("schedule", broken.StdErr);

        var missing = _daemon.Ctl("run", "nosuchjob", "--wait");
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("no job named \"nosuchjob\"", missing.StdErr);

        Assert.Equal("success", _daemon.CtlJson("run", "home", "--wait")["result"]!.GetValue<string>());
    }

    /// <summary>
    /// Waits until the run has stored its first pack: it is then in the middle of its work, with most of the
    /// 64 MiB files still to read, however fast the machine is.
    /// </summary>
    private void WaitForFirstPack()
    {
        var data = Path.Combine(_daemon.Repository, "data");
        var deadline = System.Diagnostics.Stopwatch.StartNew();
        while (!Directory.EnumerateFiles(data, "*", SearchOption.AllDirectories).Any())
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(60), $"no pack in {data} after 60 s\n{_daemon.Output}");
            Thread.Sleep(20);
        }
    }

    private void WriteLargeSource(int files)
    {
        for (var i = 0; i < files; i++)
        {
            File.WriteAllBytes(Path.Combine(_daemon.Source, $"big{i}"), ResticOracleTests.RandomBytes(64 << 20, 200 + i));
        }
    }
}
