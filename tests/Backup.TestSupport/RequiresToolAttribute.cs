using Xunit;

namespace Backup.TestSupport;

/// <summary>
/// A fact that needs external programs (and, optionally, root). Locally a missing program skips the
/// test with the Debian package to install; under CI (CI=true) nothing is skipped, so a missing tool
/// makes the test fail loudly instead of vanishing.
/// </summary>
public sealed class RequiresToolFactAttribute : FactAttribute
{
    public RequiresToolFactAttribute(params string[] tools)
    {
        Skip = Tools.SkipReason(tools, root: false);
    }
}

public sealed class RequiresRootFactAttribute : FactAttribute
{
    public RequiresRootFactAttribute(params string[] tools)
    {
        Skip = Tools.SkipReason(tools, root: true);
    }
}

public sealed class RequiresToolTheoryAttribute : TheoryAttribute
{
    public RequiresToolTheoryAttribute(params string[] tools)
    {
        Skip = Tools.SkipReason(tools, root: false);
    }
}

public static class Tools
{
    /// <summary>Debian packages that provide each program the tests use.</summary>
    private static readonly Dictionary<string, string> Packages = new()
    {
        ["restic"] = "restic",
        ["setfattr"] = "attr",
        ["getfattr"] = "attr",
        ["setfacl"] = "acl",
        ["zstd"] = "zstd",
        ["systemd-socket-activate"] = "systemd",
        ["systemd-nspawn"] = "systemd-container",
        ["debootstrap"] = "debootstrap",
        ["mkfs.btrfs"] = "btrfs-progs",
        ["btrfs"] = "btrfs-progs",
        ["losetup"] = "mount",
        ["gcc"] = "gcc zlib1g-dev",
    };

    public static bool InCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    public static string? Find(string tool)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin").Split(':'))
        {
            var candidate = Path.Combine(dir, tool);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    public static string? SkipReason(string[] tools, bool root)
    {
        if (InCi)
        {
            return null;
        }

        var missing = tools.Where(t => Find(t) is null).ToList();
        if (missing.Count > 0)
        {
            var packages = string.Join(' ', missing.Select(t => Packages.GetValueOrDefault(t, t)).Distinct());
            return $"needs {string.Join(", ", missing)}: install with 'apt-get install {packages}'";
        }

        if (root && Environment.UserName != "root")
        {
            return "needs root (devices, ownership): run the tests as root";
        }

        return null;
    }
}
