namespace Backup.TestSupport;

/// <summary>
/// A real filesystem mounted for one test under a fresh temporary directory: a tmpfs, or an ext4 image on a
/// loop device (mount -o loop detaches the device again at umount). Extra mounts made through
/// <see cref="MountOther"/> are unmounted first on dispose, then the filesystem, then the directory goes.
/// </summary>
public sealed class ScratchMount : IDisposable
{
    private readonly TemporaryDirectory temp = new();
    private readonly Stack<string> mounts = new();

    private ScratchMount(string kind)
    {
        Kind = kind;
        MountPoint = temp["mnt"];
        Directory.CreateDirectory(MountPoint);
        try
        {
            if (kind == "tmpfs")
            {
                Shell.Ok($"mount -t tmpfs -o size=32m tmpfs {Shell.Quote(MountPoint)}");
            }
            else
            {
                var image = temp["ext4.img"];
                Shell.Ok($"truncate -s 64M {Shell.Quote(image)} && mkfs.ext4 -q -F {Shell.Quote(image)} && mount -o loop {Shell.Quote(image)} {Shell.Quote(MountPoint)}");
            }

            mounts.Push(MountPoint);
        }
        catch
        {
            temp.Dispose();
            throw;
        }
    }

    public static ScratchMount Tmpfs() => new("tmpfs");

    public static ScratchMount Ext4() => new("ext4");

    public string Kind { get; }

    public string MountPoint { get; }

    /// <summary>A path on the mounted filesystem.</summary>
    public string this[string relative] => Path.Combine(MountPoint, relative);

    /// <summary>A directory next to the mount point, outside the filesystem under test.</summary>
    public string Outside(string name)
    {
        var path = temp[name];
        Directory.CreateDirectory(path);
        return path;
    }

    /// <summary>Runs a mount command whose target is <paramref name="target"/>; it is unmounted on dispose.</summary>
    public void MountOther(string arguments, string target)
    {
        Shell.Ok($"mount {arguments} {Shell.Quote(target)}");
        mounts.Push(target);
    }

    /// <summary>Unmounts the filesystem under test (and everything mounted after it) now.</summary>
    public void Unmount()
    {
        while (mounts.TryPop(out var target))
        {
            Shell.Ok($"umount {Shell.Quote(target)}");
        }
    }

    public void Dispose()
    {
        var stuck = false;
        while (mounts.TryPop(out var target))
        {
            if (Shell.Run($"umount {Shell.Quote(target)}").ExitCode != 0)
            {
                stuck |= Shell.Run($"umount -l {Shell.Quote(target)}").ExitCode != 0;
            }
        }

        if (!stuck)
        {
            temp.Dispose();
        }
    }
}
