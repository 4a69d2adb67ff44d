namespace Backup.IntegrationTests.Infrastructure;

/// <summary>Runs the built backupctl as a separate process, exactly as a user would.</summary>
public sealed class Backupctl
{
    private readonly IReadOnlyList<string> _command;

    public Backupctl(string repository, string password = Restic.Password, IReadOnlyList<string>? command = null)
    {
        Repository = repository;
        Password = password;
        _command = command ?? Command;
    }

    public string Repository { get; }

    public string Password { get; }

    public static string Dll => Path.Combine(AppContext.BaseDirectory, "backupctl.dll");

    /// <summary>
    /// How backupctl is started: the built backupctl.dll under dotnet, or the program $BACKUPCTL names,
    /// such as the natively compiled one that scripts/publish.sh installs (BACKUPCTL=OUTDIR/usr/bin/backupctl).
    /// </summary>
    public static IReadOnlyList<string> Command { get; } =
        Environment.GetEnvironmentVariable("BACKUPCTL") is { Length: > 0 } program ? [program] : ["dotnet", Dll];

    public ProcessResult Run(params string[] args) => Run(args, null, null);

    public ProcessResult Run(IEnumerable<string> args, string? workingDirectory, IDictionary<string, string>? extraEnvironment)
    {
        var env = new Dictionary<string, string>
        {
            ["BACKUP_REPOSITORY"] = Repository,
            ["BACKUP_PASSWORD"] = Password,
            ["TZ"] = "UTC",
        };
        if (extraEnvironment is not null)
        {
            foreach (var (k, v) in extraEnvironment)
            {
                env[k] = v;
            }
        }

        return ProcessRunner.Run(_command[0], _command.Skip(1).Concat(args), env, workingDirectory);
    }

    public string Ok(params string[] args) => Ok(args, null);

    public string Ok(IEnumerable<string> args, string? workingDirectory)
    {
        var list = args.ToList();
        var result = Run(list, workingDirectory, null);
        Assert.True(result.ExitCode == 0, $"backupctl {string.Join(' ', list)} exited {result.ExitCode}:\n{result.StdErr}\n{result.StdOut}");
        return result.StdOut;
    }
}

/// <summary>A temporary directory removed with everything in it when the test ends.</summary>
public sealed class TempDirectory : IDisposable
{
    public TempDirectory(string? prefix = null)
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), (prefix ?? "backup-test-") + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string Sub(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        // chattr-free trees only; make everything writable first so read-only dirs do not block removal.
        ProcessRunner.Run("chmod", ["-R", "u+rwX", Path]);
        ProcessRunner.Run("rm", ["-rf", Path]);
    }
}
