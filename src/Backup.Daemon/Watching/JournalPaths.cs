using Backup.Linux.Fanotify;

namespace Backup.Daemon.Watching;

/// <summary>Path arithmetic of the journal: component-wise prefixes, and filesystem paths to the paths users see.</summary>
internal static class JournalPaths
{
    /// <summary>Whether <paramref name="path"/> is <paramref name="root"/> or lies below it (component-wise, not by string prefix).</summary>
    public static bool IsAtOrUnder(string path, string root) =>
        root == "/" || path == root || (path.Length > root.Length && path.StartsWith(root, StringComparison.Ordinal) && path[root.Length] == '/');

    /// <summary>The part of <paramref name="path"/> below <paramref name="root"/>, starting with '/' ("/" for the root itself).</summary>
    public static string Below(string path, string root) =>
        root == "/" ? path : path.Length == root.Length ? "/" : path[root.Length..];

    public static string Join(string directory, string rest) =>
        rest == "/" ? directory : directory == "/" ? rest : directory + rest;

    public static string Parent(string path)
    {
        var slash = path.LastIndexOf('/');
        return slash <= 0 ? "/" : path[..slash];
    }

    /// <summary>
    /// Every user-visible path of <paramref name="fsPath"/> (a path from the filesystem's root): one per mount of
    /// that filesystem whose root (a bind mount's directory, a btrfs subvolume) contains it.
    /// </summary>
    public static IEnumerable<string> Visible(string fsPath, ulong device, IReadOnlyList<MountEntry> mounts)
    {
        foreach (var mount in mounts)
        {
            if (mount.Device == device && IsAtOrUnder(fsPath, mount.Root))
            {
                yield return Join(mount.MountPoint, Below(fsPath, mount.Root));
            }
        }
    }
}
