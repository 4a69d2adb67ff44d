using Backup.IntegrationTests.Infrastructure;

namespace Backup.IntegrationTests.Journal;

/// <summary>
/// A private tmpfs mounted on a unique temporary directory and unmounted (with everything in it) on
/// dispose: a filesystem without a block device, for checks that must hold there too.
/// </summary>
public sealed class Tmpfs : IDisposable
{
    private readonly string directory;
    private bool mounted;

    public Tmpfs(long size = 256L * 1024 * 1024)
    {
        directory = Path.Combine(Path.GetTempPath(), $"backup-tmpfs-{Guid.NewGuid():N}"[..32]);
        MountPoint = Path.Combine(directory, "mnt");
        Directory.CreateDirectory(MountPoint);
        var result = ProcessRunner.Run("mount", ["-t", "tmpfs", "-o", $"size={size},mode=0755", "tmpfs", MountPoint]);
        if (result.ExitCode != 0)
        {
            Directory.Delete(directory, recursive: true);
            throw new InvalidOperationException($"mount -t tmpfs on {MountPoint} exited {result.ExitCode}: {result.StdErr.Trim()}");
        }

        mounted = true;
    }

    public string MountPoint { get; }

    public string PathOf(string relative) => relative.Length == 0 ? MountPoint : Path.Combine(MountPoint, relative);

    public void Dispose()
    {
        if (!mounted)
        {
            return;
        }

        mounted = false;
        if (ProcessRunner.Run("umount", [MountPoint]).ExitCode != 0)
        {
            // A file is still open in it: detach lazily; the memory goes when the last file closes.
            ProcessRunner.Run("umount", ["--lazy", MountPoint]);
        }

        Directory.Delete(directory, recursive: true);
    }
}
