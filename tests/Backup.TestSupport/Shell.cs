using System.Diagnostics;
using System.Text;
using Xunit;

namespace Backup.TestSupport;

/// <summary>Runs bash to check the kernel's view with standard tools (ls, getfattr, stat) independently of our code.</summary>
public static class Shell
{
    public static ShellResult Run(string script)
    {
        var info = new ProcessStartInfo("/bin/bash")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(script);
        info.Environment["LC_ALL"] = "C";
        using var process = Process.Start(info) ?? throw new InvalidOperationException("cannot start bash");
        var stdout = new MemoryStream();
        var copy = process.StandardOutput.BaseStream.CopyToAsync(stdout);
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        copy.Wait();
        return new ShellResult(process.ExitCode, stdout.ToArray(), stderr);
    }

    /// <summary>Runs the script and fails the test when it exits non-zero.</summary>
    public static ShellResult Ok(string script)
    {
        var result = Run(script);
        Assert.True(result.ExitCode == 0, $"bash -c '{script}' exited {result.ExitCode}: {result.StdErr}");
        return result;
    }

    /// <summary>Single-quotes an ASCII argument for bash.</summary>
    public static string Quote(string value) => "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}

public sealed record ShellResult(int ExitCode, byte[] StdOutBytes, string StdErr)
{
    public string StdOut => Encoding.UTF8.GetString(StdOutBytes);
}
