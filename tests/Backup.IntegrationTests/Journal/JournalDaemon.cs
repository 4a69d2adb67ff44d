using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Backup.IntegrationTests.Daemon;
using Backup.IntegrationTests.Infrastructure;

namespace Backup.IntegrationTests.Journal;

/// <summary>
/// A real backupd watching a job whose source is a test filesystem, with the oracles the change journal is
/// held to: after each run, the journal's snapshot must hold exactly the tree of a full scan that reads
/// everything (backupctl backup --force) and of restic's own backup, all three in one repository.
/// </summary>
public sealed class JournalDaemon : IDisposable
{
    public const string Job = "watched";

    private const string QueueLengthSysctl = "/proc/sys/fs/fanotify/max_queued_events";

    private readonly DaemonFixture _daemon = new();

    public JournalDaemon(string source, string extraYaml = "")
    {
        Source = source;
        Ours = new Backupctl(_daemon.Repository);
        Restic = new Restic(_daemon.Repository);
        WriteJob(extraYaml);
    }

    public string Source { get; }

    public Backupctl Ours { get; }

    public Restic Restic { get; }

    public DaemonFixture Daemon => _daemon;

    public void WriteJob(string extraYaml = "") =>
        File.WriteAllText(Path.Combine(_daemon.JobsDirectory, Job + ".yaml"), $"""
            sources: [{Source}]
            repository: {_daemon.Repository}
            password_file: {_daemon.PasswordFile}
            {(extraYaml.Contains("full_scan_every", StringComparison.Ordinal) ? "" : "full_scan_every: 1000d")}
            {extraYaml}
            """);

    public void WriteGlobal(string yaml) => File.WriteAllText(Path.Combine(_daemon.ConfigDirectory, "backup.yaml"), yaml);

    /// <summary>Starts the socket; backupd itself (and its journal) starts on the first request, which this makes.</summary>
    public void Start()
    {
        _daemon.Start();
        Assert.Equal(0, _daemon.Ctl("jobs").ExitCode);

        // The journal starts right after the socket is served; wait until it has tried to watch the source.
        var deadline = System.Diagnostics.Stopwatch.StartNew();
        while (Status()["journal"] is JsonObject journal && journal["watching"]?.GetValue<bool>() != true && journal["filesystems"] is JsonArray { Count: 0 } && journal["error"] is null)
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(20), "backupd's change journal did not start:\n" + _daemon.Output);
            Thread.Sleep(50);
        }
    }

    /// <summary>
    /// <see cref="Start()"/> with a fanotify queue of <paramref name="queueLength"/> events. The kernel reads
    /// fs.fanotify.max_queued_events when backupd creates its group, and backupd raises it to journal_queue_length
    /// but never lowers it: so the sysctl is lowered for the start and put back afterwards. It is global; tests that
    /// use this belong to <see cref="JournalCollection"/>. Replaces the global configuration (backup.yaml).
    /// </summary>
    public void Start(int queueLength)
    {
        var length = queueLength.ToString(CultureInfo.InvariantCulture);
        WriteGlobal($"journal_queue_length: {length}\n");
        var saved = File.ReadAllText(QueueLengthSysctl).Trim();
        File.WriteAllText(QueueLengthSysctl, length);
        try
        {
            Start();
        }
        finally
        {
            File.WriteAllText(QueueLengthSysctl, saved);
        }
    }

    /// <summary>
    /// Stops backupd with SIGSTOP until the result is disposed, which sends SIGCONT: meanwhile it reads no events,
    /// so they queue in the kernel. Returns once every thread of backupd has stopped.
    /// </summary>
    public IDisposable Freeze()
    {
        // The activator execs into backupd: its pid is backupd's once backupd runs.
        var pid = _daemon.DaemonPid ?? throw new InvalidOperationException("backupd is not running");
        Assert.Contains(DaemonFixture.DaemonDll, File.ReadAllText($"/proc/{pid}/cmdline"), StringComparison.Ordinal);
        _daemon.Signal("STOP");
        var frozen = new Frozen(_daemon);
        try
        {
            var deadline = System.Diagnostics.Stopwatch.StartNew();
            while (!Directory.EnumerateDirectories($"/proc/{pid}/task").All(task => ThreadState(task) == 'T'))
            {
                Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(10), "backupd did not stop on SIGSTOP");
                Thread.Sleep(10);
            }

            return frozen;
        }
        catch
        {
            frozen.Dispose();
            throw;
        }
    }

    /// <summary>Stops backupd with SIGTERM, as systemd does, and starts it again.</summary>
    public void Restart()
    {
        Stop();
        Start();
    }

    public void Stop()
    {
        _daemon.Signal("TERM");
        Assert.Equal(0, _daemon.WaitForExit(TimeSpan.FromSeconds(30)));
        File.Delete(_daemon.SocketPath);
    }

    /// <summary>Runs the job through backupd and returns its record.</summary>
    public RunRecord Run(bool full = false)
    {
        string[] args = full ? ["run", Job, "--wait", "--full"] : ["run", Job, "--wait"];
        var record = _daemon.CtlJson(args);
        Assert.True(record["result"]?.GetValue<string>() == "success", $"the run did not succeed: {record.ToJsonString()}\n{_daemon.Output}");
        var scan = record["scan"] as JsonObject;
        Assert.NotNull(scan);
        return new RunRecord(
            record["snapshot_id"]!.GetValue<string>(),
            scan["kind"]!.GetValue<string>(),
            scan["reason"]?.GetValue<string>(),
            scan["directories_visited"]!.GetValue<long>());
    }

    /// <summary>Runs the job, which must be driven by the journal, and asserts its snapshot as <see cref="AssertSameAsFullScans"/> does.</summary>
    public void RunJournalAndCompare(string state, Func<string> describe)
    {
        var run = Run();
        Assert.True(run.ScanKind == "journal", $"{run.ScanKind} ({run.Reason})\n{_daemon.Output}");
        AssertSameAsFullScans(run.SnapshotId, state, describe);
    }

    public JsonObject Status() => (JsonObject)JsonNode.Parse(_daemon.Ctl("status", Job, "--json").StdOut)!;

    /// <summary>
    /// Asserts that <paramref name="snapshot"/> holds the source exactly as a full scan reading every file and as restic
    /// see it now. Compares the source's subtree, since the directories above it belong to a busy machine.
    /// </summary>
    public void AssertSameAsFullScans(string snapshot, string state, Func<string> describe)
    {
        var ours = SourceTree(snapshot);
        var forced = SourceTree(SnapshotIdOf(Ours.Ok(["backup", "--json", "--force", "--host", "oracle", Source], null)));
        var resticResult = Restic.Run(["backup", "--json", "--force", "--host", "oracle", Source], null);
        Assert.True(resticResult.ExitCode == 0, $"restic backup ({state}) exited {resticResult.ExitCode}:\n{resticResult.StdErr}");
        var restics = SourceTree(SnapshotIdOf(resticResult.StdOut));
        AssertEqual(state, "backupctl --force", forced, "the journal's backup", ours, describe);
        AssertEqual(state, "restic --force", restics, "backupctl --force", forced, describe);
    }

    public void Dispose() => _daemon.Dispose();

    /// <summary>The state letter of /proc/PID/task/TID/stat; it follows the command name, which may hold spaces and parentheses.</summary>
    private static char ThreadState(string task)
    {
        var stat = File.ReadAllText(Path.Combine(task, "stat"));
        return stat[stat.LastIndexOf(')') + 2];
    }

    private static string SnapshotIdOf(string backupJsonOutput) => SnapshotTrees.Summary(backupJsonOutput).GetProperty("snapshot_id").GetString()!;

    /// <summary>The tree ID of the source directory inside a snapshot.</summary>
    private string SourceTree(string snapshot)
    {
        var tree = SnapshotTrees.RootTrees(Restic)[snapshot];
        foreach (var component in Source.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            using var document = JsonDocument.Parse(Restic.Ok("cat", "blob", tree));
            tree = document.RootElement.GetProperty("nodes").EnumerateArray()
                .First(n => n.GetProperty("name").GetString() == component)
                .GetProperty("subtree").GetString()!;
        }

        return tree;
    }

    private void AssertEqual(string state, string expectedName, string expectedTree, string actualName, string actualTree, Func<string> describe)
    {
        if (expectedTree != actualTree)
        {
            Assert.Fail(
                $"{state}: {actualName} stored tree {actualTree[..12]} for {Source}, {expectedName} {expectedTree[..12]}.\n" +
                $"Nodes that differ ({expectedName} vs {actualName}):\n" +
                SnapshotTrees.Describe(Restic, expectedTree, Restic, actualTree) + "\n" + describe() + "\n--- backupd:\n" + _daemon.Output);
        }
    }

    /// <summary>Sends SIGCONT to the backupd that <see cref="Freeze"/> stopped.</summary>
    private sealed class Frozen(DaemonFixture daemon) : IDisposable
    {
        public void Dispose() => daemon.Signal("CONT");
    }
}

public sealed record RunRecord(string SnapshotId, string ScanKind, string? Reason, long DirectoriesVisited);
