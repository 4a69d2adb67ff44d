using System.Diagnostics;

namespace Backup.IntegrationTests.Systemd;

/// <summary>
/// A debootstrapped Debian bookworm with systemd, built once and kept in /var/cache/backup-tests
/// (or $BACKUP_TEST_CACHE) for every later test run. Containers never write to it: each one boots
/// an overlay whose lower layer is this tree. A lock file makes parallel test runs wait for one build
/// instead of racing, and a stamp holding the recipe marks a complete tree (a build that was
/// interrupted leaves no stamp and is redone).
/// </summary>
public static class DebianRootfs
{
    public const string Suite = "bookworm";

    // restic: the oracle the end-to-end test checks the repository with.
    private static readonly string[] Packages = ["systemd", "dbus", "udev", "systemd-sysv", "restic"];

    private static readonly object Gate = new();
    private static string? ready;

    public static string CacheDirectory => Environment.GetEnvironmentVariable("BACKUP_TEST_CACHE") ?? "/var/cache/backup-tests";

    public static string Root => Path.Combine(CacheDirectory, $"rootfs-{Suite}");

    private static string Mirror => Environment.GetEnvironmentVariable("BACKUP_TEST_DEBIAN_MIRROR") ?? "http://deb.debian.org/debian";

    private static string Recipe => $"debootstrap --variant=minbase --include={string.Join(',', Packages)} {Suite} (recipe 1)";

    /// <summary>Returns the cached tree, building it first (about 2–4 minutes) when it is missing or outdated.</summary>
    public static string Ensure(Action<string> log)
    {
        lock (Gate)
        {
            if (ready is not null)
            {
                return ready;
            }

            Directory.CreateDirectory(CacheDirectory);
            using (HostCommand.Lock(Root + ".lock", TimeSpan.FromMinutes(30), log))
            {
                var stamp = Root + ".stamp";
                if (!Directory.Exists(Root) || !File.Exists(stamp) || File.ReadAllText(stamp).Trim() != Recipe)
                {
                    File.Delete(stamp);
                    Build(log);
                    File.WriteAllText(stamp, Recipe + "\n");
                }
            }

            ready = Root;
            return ready;
        }
    }

    private static void Build(Action<string> log)
    {
        var partial = Root + ".partial";
        HostCommand.RemoveTree(partial);
        HostCommand.RemoveTree(Root);
        log($"building {Root}: {Recipe} from {Mirror}");
        var watch = Stopwatch.StartNew();
        var result = HostCommand.Run(
            "debootstrap",
            ["--variant=minbase", "--include=" + string.Join(',', Packages), Suite, partial, Mirror],
            TimeSpan.FromMinutes(25));
        File.WriteAllText(Root + ".debootstrap.log", result.StdOut + result.StdErr);
        if (!result.Succeeded)
        {
            HostCommand.RemoveTree(partial);
            throw new InvalidOperationException($"debootstrap failed (log: {Root}.debootstrap.log):\n{HostCommand.Tail(result.StdOut + result.StdErr)}");
        }

        // Downloaded .debs and package lists are of no use to the tests.
        HostCommand.Ok("chroot", [partial, "apt-get", "clean"], TimeSpan.FromMinutes(2));
        HostCommand.Ok("sh", ["-c", "rm -rf \"$1\"/var/lib/apt/lists/*", "sh", partial], TimeSpan.FromMinutes(2));
        Directory.Move(partial, Root);
        log($"built {Root} in {watch.Elapsed.TotalSeconds:F0} s");
    }
}
