using System.Diagnostics;
using System.Text.Json.Nodes;
using Backup.IntegrationTests.Infrastructure;

namespace Backup.IntegrationTests.Daemon;

/// <summary>
/// A real backupd with its own configuration, state and socket directories, started by
/// systemd-socket-activate on the first connection, exactly as backupd.socket does it.
/// </summary>
public sealed class DaemonFixture : IDisposable
{
    private readonly TempDirectory _temp = new("backupd-test-");
    private Process? _activator;

    public DaemonFixture()
    {
        Directory.CreateDirectory(JobsDirectory);
        Directory.CreateDirectory(Source);
        Directory.CreateDirectory(StateDirectory);
        Directory.CreateDirectory(RuntimeDirectory);
        Directory.CreateDirectory(BinDirectory);
        Directory.CreateDirectory(CredentialsDirectory);
        File.WriteAllText(PasswordFile, Restic.Password + "\n");
        File.SetUnixFileMode(PasswordFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        new Backupctl(Repository).Ok("init");
    }

    public string Root => _temp.Path;

    public string ConfigDirectory => _temp.Sub("etc");

    public string JobsDirectory => Path.Combine(ConfigDirectory, "jobs.d");

    public string Source => _temp.Sub("source");

    public string Repository => _temp.Sub("repo");

    public string PasswordFile => _temp.Sub("home.pass");

    public string StateDirectory => _temp.Sub("state");

    public string RuntimeDirectory => _temp.Sub("run");

    /// <summary>$CACHE_DIRECTORY; not created beforehand, as backupd makes it when it needs it.</summary>
    public string CacheDirectory => _temp.Sub("cache");

    /// <summary>Put first on the daemon's PATH: tests drop stand-ins (sendmail) here.</summary>
    public string BinDirectory => _temp.Sub("bin");

    public string SocketPath => Path.Combine(RuntimeDirectory, "backupd.sock");

    /// <summary>What systemd's LoadCredential= would provide as $CREDENTIALS_DIRECTORY.</summary>
    public string CredentialsDirectory => _temp.Sub("credentials");

    public static string DaemonDll => Path.Combine(AppContext.BaseDirectory, "backupd.dll");

    public void WriteJob(string name, string extraYaml = "", string? repository = null) =>
        File.WriteAllText(Path.Combine(JobsDirectory, name + ".yaml"), $"""
            sources: [{Source}]
            repository: {repository ?? Repository}
            password_file: {PasswordFile}
            {extraYaml}
            """);

    /// <summary>Listens on the socket; backupd itself starts only when a client connects.</summary>
    public void Start()
    {
        var info = new ProcessStartInfo("systemd-socket-activate")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "-l", SocketPath, "--fdname=control",
                     "-E", $"BACKUP_CONFIG_DIR={ConfigDirectory}", "-E", $"STATE_DIRECTORY={StateDirectory}",
                     "-E", $"RUNTIME_DIRECTORY={RuntimeDirectory}", "-E", $"CACHE_DIRECTORY={CacheDirectory}",
                     "-E", $"PATH={BinDirectory}:{Environment.GetEnvironmentVariable("PATH")}", "-E", "TZ=UTC",
                     "-E", $"DOTNET_ROOT={Environment.GetEnvironmentVariable("DOTNET_ROOT") ?? ""}",
                     "-E", $"CREDENTIALS_DIRECTORY={CredentialsDirectory}",
                     "dotnet", DaemonDll })
        {
            info.ArgumentList.Add(arg);
        }

        _activator = Process.Start(info)!;
        _activator.OutputDataReceived += (_, e) => Log(e.Data);
        _activator.ErrorDataReceived += (_, e) => Log(e.Data);
        _activator.BeginOutputReadLine();
        _activator.BeginErrorReadLine();
        var deadline = Stopwatch.StartNew();
        while (!File.Exists(SocketPath))
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(20) && !_activator.HasExited, "systemd-socket-activate did not create the socket:\n" + Output);
            Thread.Sleep(20);
        }
    }

    /// <summary>What backupd (and the activator) printed: the console log when not under systemd.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    private readonly System.Text.StringBuilder _output = new();

    private void Log(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }

    /// <summary>The daemon's process id once it runs (the activator execs into it).</summary>
    public int? DaemonPid => _activator is { HasExited: false } ? _activator.Id : null;

    public ProcessResult Ctl(params string[] args) =>
        new Backupctl(Repository).Run(new[] { "--socket", SocketPath }.Concat(args), Root, null);

    public JsonObject CtlJson(params string[] args)
    {
        var result = Ctl(args.Append("--json").ToArray());
        Assert.True(result.ExitCode is 0 or 1 or 3, result.StdErr);
        return (JsonObject)JsonNode.Parse(ResticOracleTests.LastLine(result.StdOut))!;
    }

    /// <summary>Waits until the job's state (from "backupctl status JOB") is <paramref name="state"/>.</summary>
    public void WaitForState(string job, string state, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        string? last = null;
        while (deadline.Elapsed < timeout)
        {
            var status = Ctl("status", job, "--json");
            if (status.ExitCode == 0)
            {
                last = JsonNode.Parse(status.StdOut)?["state"]?.GetValue<string>();
                if (last == state)
                {
                    return;
                }
            }

            Thread.Sleep(100);
        }

        Assert.Fail($"job {job} did not reach state {state} within {timeout} (last: {last})\n{Output}");
    }

    public void Signal(string signal)
    {
        Assert.NotNull(DaemonPid);
        ProcessRunner.Run("kill", [$"-{signal}", DaemonPid!.Value.ToString()]);
    }

    /// <summary>Waits for the daemon to exit and returns its exit code.</summary>
    public int WaitForExit(TimeSpan timeout)
    {
        Assert.True(_activator!.WaitForExit(timeout), $"backupd did not exit within {timeout}:\n{Output}");
        _activator.WaitForExit();
        return _activator.ExitCode;
    }

    public void Dispose()
    {
        if (_activator is { HasExited: false })
        {
            _activator.Kill(entireProcessTree: true);
            _activator.WaitForExit();
        }

        _temp.Dispose();
    }
}
