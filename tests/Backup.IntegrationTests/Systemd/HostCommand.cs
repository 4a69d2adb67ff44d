using System.Diagnostics;
using System.Text;

namespace Backup.IntegrationTests.Systemd;

/// <summary>What a command printed and how it ended.</summary>
public sealed record ExecResult(int ExitCode, string StdOut, string StdErr)
{
    public bool Succeeded => ExitCode == 0;

    public override string ToString() => $"exit {ExitCode}\n--- stdout ---\n{StdOut}\n--- stderr ---\n{StdErr}";
}

/// <summary>Runs host programs with a time limit: a hung program is killed (with its children) and reported.</summary>
public static class HostCommand
{
    public static ExecResult Run(string file, IEnumerable<string> args, TimeSpan timeout, byte[]? stdin = null, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var info = new ProcessStartInfo(file)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        if (environment is not null)
        {
            foreach (var (k, v) in environment)
            {
                if (v is null)
                {
                    info.Environment.Remove(k);
                }
                else
                {
                    info.Environment[k] = v;
                }
            }
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"cannot start {file}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            if (stdin is not null)
            {
                process.StandardInput.BaseStream.Write(stdin);
            }

            process.StandardInput.Close();
        }
        catch (IOException)
        {
            // The program exited without reading all of its input; its exit code tells the rest.
        }

        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            throw new TimeoutException(
                $"{file} {string.Join(' ', info.ArgumentList)} did not finish within {timeout}:\n" +
                $"--- stdout ---\n{Tail(stdout.Result)}\n--- stderr ---\n{Tail(stderr.Result)}");
        }

        process.WaitForExit();
        return new ExecResult(process.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Runs a program and throws with its output unless it exits 0.</summary>
    public static string Ok(string file, IEnumerable<string> args, TimeSpan timeout, byte[]? stdin = null)
    {
        var list = args.ToList();
        var result = Run(file, list, timeout, stdin);
        if (!result.Succeeded)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', list)} failed: {result}");
        }

        return result.StdOut;
    }

    public static string Tail(string text, int lines = 60)
    {
        var all = text.Split('\n');
        return all.Length <= lines ? text : string.Join('\n', all[^lines..]);
    }

    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Backup.Linux.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"no Backup.Linux.sln above {AppContext.BaseDirectory}");
    }

    /// <summary>An exclusive lock on a file (flock through .NET's FileShare.None), waited for up to a limit.</summary>
    public static FileStream Lock(string path, TimeSpan timeout, Action<string> log)
    {
        var deadline = DateTime.UtcNow + timeout;
        var told = false;
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                if (!told)
                {
                    log($"waiting for the lock {path}");
                    told = true;
                }

                Thread.Sleep(1000);
            }
        }
    }

    /// <summary>Lazily unmounts everything mounted at or below a directory, deepest first.</summary>
    public static void UnmountBelow(string directory)
    {
        var prefix = directory.TrimEnd('/');
        var mounts = File.ReadAllLines("/proc/self/mountinfo")
            .Select(line => Unescape(line.Split(' ')[4]))
            .Where(m => m == prefix || m.StartsWith(prefix + "/", StringComparison.Ordinal))
            .OrderByDescending(m => m.Length)
            .ToList();
        foreach (var m in mounts)
        {
            Run("umount", ["-l", m], TimeSpan.FromSeconds(30));
        }
    }

    public static bool IsMountPoint(string directory) =>
        File.ReadAllLines("/proc/self/mountinfo").Any(line => Unescape(line.Split(' ')[4]) == directory.TrimEnd('/'));

    /// <summary>Removes a tree without crossing into file systems mounted below it.</summary>
    public static void RemoveTree(string directory)
    {
        if (!Directory.Exists(directory))
        {
            return;
        }

        UnmountBelow(directory);
        Ok("rm", ["-rf", "--one-file-system", directory], TimeSpan.FromMinutes(5));
    }

    // mountinfo escapes space, tab, newline and backslash as \ooo.
    private static string Unescape(string field)
    {
        if (!field.Contains('\\', StringComparison.Ordinal))
        {
            return field;
        }

        var sb = new StringBuilder();
        for (var i = 0; i < field.Length; i++)
        {
            if (field[i] == '\\' && i + 3 < field.Length)
            {
                sb.Append((char)Convert.ToInt32(field.Substring(i + 1, 3), 8));
                i += 3;
            }
            else
            {
                sb.Append(field[i]);
            }
        }

        return sb.ToString();
    }
}
