using System.Diagnostics;

namespace Backup.IntegrationTests.Systemd;

/// <summary>
/// The programs as a package would install them: scripts/publish.sh builds them (self-contained, so
/// the container needs no .NET) into artifacts/systemd-test-install, and again only when a source
/// file changed since; Install copies them and the unit files of systemd/ into a container the way
/// the Debian package does.
/// </summary>
public sealed class InstalledBackup
{
    private static readonly Lazy<string> Published = new(Publish, LazyThreadSafetyMode.ExecutionAndPublication);

    public static string RepositoryRoot { get; } = HostCommand.RepositoryRoot();

    public static string UnitDirectory => Path.Combine(RepositoryRoot, "systemd");

    public static IReadOnlyList<string> UnitFiles =>
        Directory.GetFiles(UnitDirectory)
            .Where(f => Path.GetExtension(f) is ".service" or ".socket" or ".timer")
            .Order(StringComparer.Ordinal)
            .ToList();

    /// <summary>The install tree (usr/bin/backupctl, usr/sbin/backupd, usr/lib/backup/…).</summary>
    public static string PublishDirectory => Published.Value;

    /// <summary>Starts publishing while the caller boots a container (the first boot may build the rootfs).</summary>
    public static void PublishInBackground() => _ = Task.Run(() => Published.Value);

    /// <summary>Copies programs and units into the container, makes sure group "backup" exists and reloads systemd.</summary>
    public static void Install(NspawnContainer container)
    {
        container.CopyIn(Path.Combine(PublishDirectory, "usr"), "/usr");
        foreach (var unit in UnitFiles)
        {
            container.CopyIn(unit, "/usr/lib/systemd/system/" + Path.GetFileName(unit));
        }

        // Debian's base-passwd already has group "backup" (gid 34); other systems get a system group.
        container.Ok("sh", "-c", "getent group backup >/dev/null || groupadd --system backup");
        container.Ok("systemctl", "daemon-reload");
    }

    private static string Publish()
    {
        var output = Path.Combine(RepositoryRoot, "artifacts", "systemd-test-install");
        var stamp = Path.Combine(output, ".published");
        var newestSource = NewestSourceTime();
        if (File.Exists(stamp) && File.GetLastWriteTimeUtc(stamp) > newestSource)
        {
            return output;
        }

        if (File.Exists(stamp))
        {
            File.Delete(stamp);
        }

        var started = DateTime.UtcNow;
        var watch = Stopwatch.StartNew();
        // A publish started from inside `dotnet test` must not inherit the outer build's MSBuild
        // settings (they point the inner build at the outer one's SDK and node).
        var environment = Environment.GetEnvironmentVariables().Keys.Cast<string>()
            .Where(k => k.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase) || k == "DOTNET_HOST_PATH")
            .ToDictionary(k => k, _ => (string?)null);
        environment["MSBUILDDISABLENODEREUSE"] = "1";
        var result = HostCommand.Run(
            "bash",
            [Path.Combine(RepositoryRoot, "scripts", "publish.sh"), output],
            TimeSpan.FromMinutes(20),
            environment: environment);
        if (!result.Succeeded)
        {
            throw new InvalidOperationException($"scripts/publish.sh failed: {result}");
        }

        File.WriteAllText(stamp, "");
        // A source changed while publishing is newer than the stamp, so the next run publishes again.
        File.SetLastWriteTimeUtc(stamp, started);
        Console.Error.WriteLine($"published backupctl and backupd in {watch.Elapsed.TotalSeconds:F0} s");
        return output;
    }

    /// <summary>The last change to anything the published programs are built from (bin/ and obj/ aside).</summary>
    private static DateTime NewestSourceTime()
    {
        var inputs = new[] { "Directory.Build.props", "Directory.Packages.props", "scripts/publish.sh" }
            .Select(f => Path.Combine(RepositoryRoot, f))
            .Where(File.Exists)
            .Concat(SourceFiles(Path.Combine(RepositoryRoot, "src")));
        return inputs.Select(File.GetLastWriteTimeUtc).DefaultIfEmpty(DateTime.MaxValue).Max();
    }

    private static IEnumerable<string> SourceFiles(string directory)
    {
        foreach (var file in Directory.EnumerateFiles(directory))
        {
            yield return file;
        }

        foreach (var sub in Directory.EnumerateDirectories(directory))
        {
            if (Path.GetFileName(sub) is not ("bin" or "obj"))
            {
                foreach (var file in SourceFiles(sub))
                {
                    yield return file;
                }
            }
        }
    }
}
