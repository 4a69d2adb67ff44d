using Backup.IntegrationTests.Infrastructure;

namespace Backup.IntegrationTests.Journal;

/// <summary>
/// A real ext4 or btrfs filesystem in a sparse image file, attached to a free loop device and mounted
/// on a unique temporary directory; disposing unmounts it, detaches the device and deletes the image,
/// also after a failed test. The loop device stays attached across <see cref="Remount"/>, as a disk
/// stays plugged in while its filesystem is unmounted and mounted again.
/// </summary>
public sealed class LoopFilesystem : IDisposable
{
    public const long DefaultSize = 256L * 1024 * 1024;

    private readonly string directory;
    private bool mounted;
    private bool disposed;

    private LoopFilesystem(string type, long size)
    {
        Type = type;
        directory = Path.Combine(Path.GetTempPath(), $"backup-loopfs-{type}-{Guid.NewGuid():N}"[..40]);
        Directory.CreateDirectory(directory);
        ImagePath = Path.Combine(directory, type + ".img");
        MountPoint = Path.Combine(directory, "mnt");
        Directory.CreateDirectory(MountPoint);
        try
        {
            using (var image = File.Create(ImagePath))
            {
                image.SetLength(size); // sparse: only what the filesystem writes takes space
            }

            Run(type == "btrfs" ? "mkfs.btrfs" : "mkfs.ext4", "-q", ImagePath);
            Device = Run("losetup", "--find", "--show", ImagePath).Trim();
            Mount();
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>"ext4" or "btrfs".</summary>
    public string Type { get; }

    public string ImagePath { get; }

    /// <summary>The mounted filesystem's root directory (named "mnt", inside a directory of its own).</summary>
    public string MountPoint { get; }

    /// <summary>The loop device, e.g. /dev/loop3, as /proc/self/mountinfo shows it mounted on <see cref="MountPoint"/>.</summary>
    public string Device { get; private set; } = "";

    public static LoopFilesystem Ext4(long size = DefaultSize) => new("ext4", size);

    /// <remarks>mkfs.btrfs needs at least about 110 MiB.</remarks>
    public static LoopFilesystem Btrfs(long size = DefaultSize) => new("btrfs", size);

    public string PathOf(string relative) => relative.Length == 0 ? MountPoint : Path.Combine(MountPoint, relative);

    /// <summary>Creates a btrfs subvolume at <paramref name="relativePath"/> (its parent must exist) and returns its full path.</summary>
    public string CreateSubvolume(string relativePath)
    {
        if (Type != "btrfs")
        {
            throw new InvalidOperationException($"subvolumes need btrfs, this is {Type}");
        }

        var path = PathOf(relativePath);
        Run("btrfs", "-q", "subvolume", "create", path);
        return path;
    }

    /// <summary>Unmounts the filesystem and mounts it again from the same loop device.</summary>
    public void Remount()
    {
        Unmount();
        Mount();
    }

    public void Dispose()
    {
        if (disposed)
        {
            return;
        }

        disposed = true;
        var problems = new List<string>();
        if (mounted)
        {
            try
            {
                Unmount();
            }
            catch (InvalidOperationException)
            {
                // Something still holds a file open: detach lazily so the image can still go. Not an
                // error of its own, which would hide the failure of the test that left the file open.
                ProcessRunner.Run("umount", ["--lazy", MountPoint]);
            }
        }

        if (Device.Length > 0)
        {
            var detach = ProcessRunner.Run("losetup", ["--detach", Device]);
            if (detach.ExitCode != 0)
            {
                problems.Add($"losetup --detach {Device}: {detach.StdErr.Trim()}");
            }
        }

        if (!IsMountPoint(MountPoint))
        {
            ProcessRunner.Run("rm", ["-rf", directory]);
        }

        if (problems.Count > 0)
        {
            throw new InvalidOperationException($"cleaning up the {Type} filesystem in {directory}: " + string.Join("; ", problems));
        }
    }

    private void Mount()
    {
        Run("mount", "-t", Type, Device, MountPoint);
        mounted = true;
        var source = MountSource(MountPoint) ?? throw new InvalidOperationException($"{MountPoint} is not in /proc/self/mountinfo after mounting {Device}");
        if (source != Device)
        {
            throw new InvalidOperationException($"{MountPoint} shows {source} mounted, expected {Device}");
        }
    }

    private void Unmount()
    {
        // A process that just closed a file under the mount can make umount see EBUSY for a moment.
        for (var attempt = 0; ; attempt++)
        {
            var result = ProcessRunner.Run("umount", [MountPoint]);
            if (result.ExitCode == 0)
            {
                mounted = false;
                return;
            }

            if (attempt == 20)
            {
                throw new InvalidOperationException($"umount {MountPoint}: {result.StdErr.Trim()}");
            }

            Thread.Sleep(50);
        }
    }

    private static bool IsMountPoint(string path) => MountSource(path) is not null;

    /// <summary>The mount source (field after the " - " separator) of the mount whose mount point is <paramref name="path"/>.</summary>
    private static string? MountSource(string path)
    {
        string? source = null;
        foreach (var line in File.ReadLines("/proc/self/mountinfo"))
        {
            var fields = line.Split(' ');
            var separator = Array.IndexOf(fields, "-");
            if (fields.Length > 4 && separator > 0 && separator + 2 < fields.Length && Unescape(fields[4]) == path)
            {
                source = Unescape(fields[separator + 2]); // the last mount on a path is the visible one
            }
        }

        return source;
    }

    /// <summary>mountinfo writes space, tab, newline and backslash as three octal digits after a backslash.</summary>
    private static string Unescape(string field)
    {
        if (!field.Contains('\\', StringComparison.Ordinal))
        {
            return field;
        }

        var builder = new System.Text.StringBuilder(field.Length);
        for (var i = 0; i < field.Length; i++)
        {
            if (field[i] == '\\' && i + 3 < field.Length)
            {
                builder.Append((char)Convert.ToInt32(field.Substring(i + 1, 3), 8));
                i += 3;
            }
            else
            {
                builder.Append(field[i]);
            }
        }

        return builder.ToString();
    }

    private static string Run(string program, params string[] args)
    {
        var result = ProcessRunner.Run(program, args);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', args)} exited {result.ExitCode}: {result.StdErr.Trim()}");
        }

        return result.StdOut;
    }
}
