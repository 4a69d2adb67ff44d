namespace Backup.IntegrationTests.Journal;

/// <summary>
/// A theory that needs root and external programs, with the same rule as <see cref="RequiresRootFactAttribute"/>:
/// locally a missing program skips with the Debian package to install, under CI (CI=true) nothing is skipped.
/// </summary>
public sealed class RequiresRootTheoryAttribute : TheoryAttribute
{
    /// <summary>Packages of the programs these tests add to the ones <see cref="Tools"/> knows.</summary>
    private static readonly Dictionary<string, string> Packages = new()
    {
        ["mkfs.ext4"] = "e2fsprogs",
        ["mkfs.btrfs"] = "btrfs-progs",
        ["btrfs"] = "btrfs-progs",
        ["losetup"] = "mount",
    };

    public RequiresRootTheoryAttribute(params string[] tools)
    {
        Skip = Tools.SkipReason(tools, root: true);
        if (Skip is not null)
        {
            foreach (var (tool, package) in Packages)
            {
                Skip = Skip.Replace($" {tool}'", $" {package}'", StringComparison.Ordinal).Replace($" {tool} ", $" {package} ", StringComparison.Ordinal);
            }
        }
    }
}
