using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Backup.IntegrationTests.Systemd;

/// <summary>
/// A Debian system booted with systemd as PID 1 in systemd-nspawn, driven with nsenter (machinectl
/// does not work here). Each container boots an overlay over the cached rootfs (see DebianRootfs), so
/// starting one costs about a second and whatever a test changes is thrown away with the upper layer.
/// Dispose powers it off, kills it if it does not stop, unmounts the overlay and removes its files.
/// </summary>
public sealed class NspawnContainer : IDisposable
{
    private const string WorkBase = "/var/tmp/backup-nspawn";
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(2);

    private readonly Action<string> log;
    private readonly string workDir;
    private readonly string merged;
    private readonly StringBuilder console = new();
    private Process? nspawn;
    private bool disposed;

    private NspawnContainer(string name, string workDir, Action<string> log)
    {
        Name = name;
        this.workDir = workDir;
        merged = Path.Combine(workDir, "merged");
        this.log = log;
    }

    public string Name { get; }

    /// <summary>The container's PID 1 (systemd) as seen from the host.</summary>
    public int Pid1 { get; private set; }

    /// <summary>How long the boot took, from starting nspawn to is-system-running.</summary>
    public TimeSpan BootTime { get; private set; }

    /// <summary>Builds or reuses the cached rootfs, boots a container on an overlay of it and waits until it is up.</summary>
    public static NspawnContainer Boot(Action<string> log)
    {
        var rootfs = DebianRootfs.Ensure(log);
        RemoveStale(log);

        var name = "backup-" + Guid.NewGuid().ToString("N")[..8];
        var dir = Path.Combine(WorkBase, name);
        var container = new NspawnContainer(name, dir, log);
        try
        {
            container.Start(rootfs);
            return container;
        }
        catch
        {
            container.Dispose();
            throw;
        }
    }

    private void Start(string rootfs)
    {
        var watch = Stopwatch.StartNew();
        foreach (var sub in new[] { "upper", "work", "merged" })
        {
            Directory.CreateDirectory(Path.Combine(workDir, sub));
        }

        File.WriteAllText(Path.Combine(workDir, "owner"), Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        HostCommand.Ok(
            "mount",
            ["-t", "overlay", "overlay", "-o", $"lowerdir={rootfs},upperdir={workDir}/upper,workdir={workDir}/work", merged],
            TimeSpan.FromSeconds(30));

        // setsid: the container must not share the test runner's session and signals.
        // --register=no --keep-unit: there is no systemd on the host to register with.
        var info = new ProcessStartInfo("setsid")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "systemd-nspawn", "-D", merged, "--boot", "--register=no", "--keep-unit", "--console=pipe", "--machine=" + Name })
        {
            info.ArgumentList.Add(a);
        }

        nspawn = Process.Start(info) ?? throw new InvalidOperationException("cannot start systemd-nspawn");
        nspawn.OutputDataReceived += (_, e) => AppendConsole(e.Data);
        nspawn.ErrorDataReceived += (_, e) => AppendConsole(e.Data);
        nspawn.BeginOutputReadLine();
        nspawn.BeginErrorReadLine();
        File.WriteAllText(Path.Combine(workDir, "nspawn"), nspawn.Id.ToString(CultureInfo.InvariantCulture));

        Pid1 = FindPid1(TimeSpan.FromSeconds(30));
        File.WriteAllText(Path.Combine(workDir, "pid1"), Pid1.ToString(CultureInfo.InvariantCulture));
        var state = WaitUntilRunning(TimeSpan.FromMinutes(2));
        BootTime = watch.Elapsed;
        log($"container {Name} (PID 1 = {Pid1}) is {state} after {BootTime.TotalSeconds:F1} s");
        if (state == "degraded")
        {
            log("failed units:\n" + Exec(["systemctl", "--failed", "--no-legend", "--plain"]).StdOut);
        }
    }

    private void AppendConsole(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (console)
        {
            console.AppendLine(line);
        }
    }

    /// <summary>What the container printed on its console (systemd's boot and shutdown messages).</summary>
    public string Console
    {
        get
        {
            lock (console)
            {
                return console.ToString();
            }
        }
    }

    private int FindPid1(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (nspawn!.HasExited)
            {
                throw new InvalidOperationException($"systemd-nspawn exited with {nspawn.ExitCode}:\n{Console}");
            }

            var result = HostCommand.Run("pgrep", ["-P", nspawn.Id.ToString(CultureInfo.InvariantCulture), "-x", "systemd"], TimeSpan.FromSeconds(10));
            if (result.Succeeded && int.TryParse(result.StdOut.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                return pid;
            }

            Thread.Sleep(100);
        }

        throw new TimeoutException($"no systemd below systemd-nspawn after {timeout}:\n{Console}");
    }

    private string WaitUntilRunning(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        var last = "";
        while (DateTime.UtcNow < deadline)
        {
            if (nspawn!.HasExited)
            {
                throw new InvalidOperationException($"the container stopped while booting:\n{Console}");
            }

            // Until systemd listens on its private socket, systemctl fails at once: ask again.
            var result = Exec(["systemctl", "is-system-running", "--wait"], deadline - DateTime.UtcNow);
            var state = result.StdOut.Trim();
            if (state is "running" or "degraded")
            {
                return state;
            }

            last = result.ToString();
            Thread.Sleep(200);
        }

        throw new TimeoutException($"the container did not finish booting within {timeout}: {last}\n{Console}");
    }

    /// <summary>Runs a command inside the container as root, in all its namespaces, with a clean environment.</summary>
    public ExecResult Exec(IEnumerable<string> command, TimeSpan? timeout = null, byte[]? stdin = null)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        var args = new List<string>
        {
            "-t", Pid1.ToString(CultureInfo.InvariantCulture), "-a", "--",
            "env", "-i",
            "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "LANG=C.UTF-8", "HOME=/root", "TERM=dumb", "SYSTEMD_PAGER=", "SYSTEMD_COLORS=0",
        };
        args.AddRange(command);
        return HostCommand.Run("nsenter", args, timeout ?? DefaultTimeout, stdin);
    }

    public ExecResult Exec(params string[] command) => Exec(command, null);

    /// <summary>Runs a shell script inside the container; extra arguments become $1, $2…</summary>
    public ExecResult Shell(string script, params string[] args) => Exec(["sh", "-c", script, "sh", .. args]);

    /// <summary>Runs a command and throws with its output unless it exits 0.</summary>
    public string Ok(params string[] command)
    {
        var result = Exec(command);
        if (!result.Succeeded)
        {
            throw new InvalidOperationException($"in {Name}: {string.Join(' ', command)} failed: {result}");
        }

        return result.StdOut;
    }

    /// <summary>Copies a host file or directory tree into the container (owners, modes and links kept).</summary>
    public void CopyIn(string hostPath, string containerPath)
    {
        if (Directory.Exists(hostPath))
        {
            Ok("mkdir", "-p", containerPath);
            // --no-overwrite-dir: directories that exist already (/usr, /usr/bin…) keep their mode.
            var result = HostCommand.Run(
                "bash",
                ["-c", "set -o pipefail; tar -C \"$1\" -cf - . | nsenter -t \"$3\" -a -- tar --no-overwrite-dir -C \"$2\" -xpf -",
                    "bash", hostPath, containerPath, Pid1.ToString(CultureInfo.InvariantCulture)],
                DefaultTimeout);
            if (!result.Succeeded)
            {
                throw new InvalidOperationException($"copying {hostPath} into {Name}:{containerPath} failed: {result}");
            }
        }
        else
        {
            var mode = Convert.ToString((int)File.GetUnixFileMode(hostPath), 8);
            WriteFile(containerPath, File.ReadAllBytes(hostPath), mode);
        }
    }

    /// <summary>Creates or replaces a file in the container (parent directories are created).</summary>
    public void WriteFile(string containerPath, byte[] content, string mode = "0644")
    {
        var result = Exec(
            ["sh", "-c", "mkdir -p \"$(dirname \"$1\")\" && cat > \"$1\" && chmod \"$2\" \"$1\"", "sh", containerPath, mode],
            null,
            content);
        if (!result.Succeeded)
        {
            throw new InvalidOperationException($"writing {Name}:{containerPath} failed: {result}");
        }
    }

    public void WriteFile(string containerPath, string content, string mode = "0644") =>
        WriteFile(containerPath, Encoding.UTF8.GetBytes(content), mode);

    /// <summary>The container's journal, for a failing test's output.</summary>
    public string Diagnostics()
    {
        try
        {
            return "--- systemctl --failed ---\n" + Exec("systemctl", "--failed", "--no-legend", "--plain").StdOut +
                   "--- journalctl -b (last 150 lines) ---\n" + Exec("journalctl", "-b", "--no-pager", "-n", "150").StdOut;
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException)
        {
            return "(no diagnostics: " + e.Message + ")";
        }
    }

    public void Dispose()
    {
        if (disposed)
        {
            return;
        }

        try
        {
            PowerOff();
        }
        finally
        {
            disposed = true;
            nspawn?.Dispose();
            Cleanup(workDir);
        }
    }

    private void PowerOff()
    {
        if (nspawn is null || nspawn.HasExited)
        {
            return;
        }

        var watch = Stopwatch.StartNew();
        if (Pid1 > 0)
        {
            try
            {
                // The nsenter process may die with the container before it reports back: ignore its result.
                Exec(["systemctl", "poweroff", "--no-block"], TimeSpan.FromSeconds(20));
            }
            catch (TimeoutException)
            {
            }
        }

        if (!nspawn.WaitForExit(TimeSpan.FromSeconds(30)))
        {
            log($"container {Name} did not power off: killing it");
            Kill(Pid1);
            Kill(nspawn.Id);
            nspawn.WaitForExit(TimeSpan.FromSeconds(30));
        }
        else
        {
            log($"container {Name} powered off in {watch.Elapsed.TotalSeconds:F1} s");
        }
    }

    // Killing a PID namespace's init kills every process in it.
    private static void Kill(int pid)
    {
        if (pid > 0)
        {
            HostCommand.Run("kill", ["-KILL", pid.ToString(CultureInfo.InvariantCulture)], TimeSpan.FromSeconds(10));
        }
    }

    private static void Cleanup(string dir)
    {
        var merged = Path.Combine(dir, "merged");
        for (var attempt = 0; attempt < 20 && HostCommand.IsMountPoint(merged); attempt++)
        {
            if (!HostCommand.Run("umount", [merged], TimeSpan.FromSeconds(30)).Succeeded)
            {
                Thread.Sleep(250);
            }
        }

        HostCommand.RemoveTree(dir);
    }

    /// <summary>Containers left behind by a test run that died (its owner process is gone) are killed and removed.</summary>
    private static void RemoveStale(Action<string> log)
    {
        if (!Directory.Exists(WorkBase))
        {
            return;
        }

        foreach (var dir in Directory.GetDirectories(WorkBase))
        {
            var owner = ReadPid(Path.Combine(dir, "owner"));
            if (owner == Environment.ProcessId || (owner > 0 && Directory.Exists($"/proc/{owner}")))
            {
                continue;
            }

            log($"removing the stale container {dir}");
            var nspawnPid = ReadPid(Path.Combine(dir, "nspawn"));
            if (nspawnPid > 0 && ProcessIs(nspawnPid, "systemd-nspawn", dir))
            {
                var pid1 = ReadPid(Path.Combine(dir, "pid1"));
                if (pid1 > 0 && ProcessIs(pid1, "systemd", null))
                {
                    Kill(pid1);
                }

                Kill(nspawnPid);
                Thread.Sleep(500);
            }

            Cleanup(dir);
        }
    }

    private static int ReadPid(string file) =>
        File.Exists(file) && int.TryParse(File.ReadAllText(file).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : 0;

    private static bool ProcessIs(int pid, string comm, string? commandLineContains)
    {
        try
        {
            if (File.ReadAllText($"/proc/{pid}/comm").Trim() != comm)
            {
                return false;
            }

            return commandLineContains is null || File.ReadAllText($"/proc/{pid}/cmdline").Contains(commandLineContains, StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return false;
        }
    }
}
