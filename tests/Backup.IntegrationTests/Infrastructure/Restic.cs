using System.Diagnostics;
using System.Text;

namespace Backup.IntegrationTests.Infrastructure;

/// <summary>Runs the real restic binary against a repository: the oracle for our format.</summary>
public sealed class Restic
{
    public const string Password = "correct horse battery staple";

    public Restic(string repository)
    {
        Repository = repository;
    }

    public string Repository { get; }

    public ProcessResult Run(params string[] args) => Run(args, null);

    public ProcessResult Run(IEnumerable<string> args, string? workingDirectory)
    {
        var env = new Dictionary<string, string>
        {
            ["RESTIC_REPOSITORY"] = Repository,
            ["RESTIC_PASSWORD"] = Password,
            ["RESTIC_CACHE_DIR"] = Path.Combine(Path.GetTempPath(), "restic-test-cache"),
            ["TZ"] = "UTC",
        };
        return ProcessRunner.Run("restic", args, env, workingDirectory);
    }

    /// <summary>Runs restic and fails the test with its output when it exits non-zero.</summary>
    public string Ok(params string[] args)
    {
        var result = Run(args);
        Assert.True(result.ExitCode == 0, $"restic {string.Join(' ', args)} exited {result.ExitCode}:\n{result.StdErr}\n{result.StdOut}");
        return result.StdOut;
    }

    /// <summary>
    /// Starts "restic check --read-data" (which takes an exclusive lock) and freezes it with SIGSTOP once its
    /// lock file is completely written, so the lock is certainly held. The caller kills the process.
    /// </summary>
    public System.Diagnostics.Process StartHoldingExclusiveLock(string cacheDirectory)
    {
        var info = new System.Diagnostics.ProcessStartInfo("restic", ["check", "--read-data"]) { RedirectStandardOutput = true, RedirectStandardError = true };
        info.Environment["RESTIC_REPOSITORY"] = Repository;
        info.Environment["RESTIC_PASSWORD"] = Password;
        info.Environment["RESTIC_CACHE_DIR"] = cacheDirectory;
        var holder = System.Diagnostics.Process.Start(info)!;
        var deadline = System.Diagnostics.Stopwatch.StartNew();

        // A lock is held once a file named by its 64-hex ID exists; "-tmp-" files are still being written.
        bool LockWritten() => Directory.GetFiles(Path.Combine(Repository, "locks")).Any(f => Path.GetFileName(f).Length == 64);
        while (!LockWritten() && deadline.Elapsed < TimeSpan.FromSeconds(30) && !holder.HasExited)
        {
            Thread.Sleep(2);
        }

        ProcessRunner.Run("kill", ["-STOP", holder.Id.ToString()]);
        Assert.True(LockWritten(), "restic check finished before its lock could be observed; give it more data to read");
        return holder;
    }

    public byte[] OkBytes(params string[] args)
    {
        var result = Run(args);
        Assert.True(result.ExitCode == 0, $"restic {string.Join(' ', args)} exited {result.ExitCode}:\n{result.StdErr}");
        return result.StdOutBytes;
    }
}

public sealed record ProcessResult(int ExitCode, byte[] StdOutBytes, string StdErr)
{
    public string StdOut => Encoding.UTF8.GetString(StdOutBytes);
}

public static class ProcessRunner
{
    public static ProcessResult Run(string fileName, IEnumerable<string> args, IDictionary<string, string>? env = null, string? workingDirectory = null, byte[]? stdin = null)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        if (env is not null)
        {
            foreach (var (k, v) in env)
            {
                info.Environment[k] = v;
            }
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"cannot start {fileName}");
        var stdout = new MemoryStream();
        var copy = process.StandardOutput.BaseStream.CopyToAsync(stdout);
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            process.StandardInput.BaseStream.Write(stdin);
        }

        process.StandardInput.Close();
        process.WaitForExit();
        copy.Wait();
        return new ProcessResult(process.ExitCode, stdout.ToArray(), stderr.Result);
    }
}
