using Backup.Linux.Tests.Infrastructure;

namespace Backup.Linux.Tests.Btrfs;

/// <summary>
/// A fresh btrfs filesystem in a sparse image on a loop device, mounted (top level) in a temporary
/// directory. Dispose unmounts everything the test mounted below the directory and detaches the loop
/// device even after a failed test.
/// </summary>
public sealed class BtrfsImage : IDisposable
{
    private readonly TemporaryDirectory temp = new();
    private readonly List<string> mounts = [];

    public BtrfsImage()
    {
        try
        {
            var image = temp["image"];
            Shell.Ok($"truncate -s 300M {Shell.Quote(image)} && mkfs.btrfs -q {Shell.Quote(image)}");
            Device = Shell.Ok($"losetup --find --show {Shell.Quote(image)}").StdOut.Trim();
            Root = temp["top"];
            Directory.CreateDirectory(Root);
            Mount($"{Shell.Quote(Device)} {Shell.Quote(Root)}", Root);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>The loop device, such as /dev/loop3.</summary>
    public string Device { get; } = "";

    /// <summary>Where the top-level subvolume is mounted.</summary>
    public string Root { get; } = "";

    /// <summary>A path in the temporary directory, outside the filesystem.</summary>
    public string Outside(string name) => temp[name];

    /// <summary>A path below the mounted top level.</summary>
    public string this[string relative] => relative.Length == 0 ? Root : Path.Combine(Root, relative);

    /// <summary>Runs a bash script with the top level as working directory.</summary>
    public ShellResult Run(string script) => Shell.Ok($"cd {Shell.Quote(Root)} && {script}");

    /// <summary>Remembers a mount point that Dispose has to unmount (mounted by the test or by the code under test).</summary>
    public void Track(string mountPoint) => mounts.Add(mountPoint);

    public void Dispose()
    {
        foreach (var mountPoint in Enumerable.Reverse(mounts))
        {
            if (IsMounted(mountPoint) && Shell.Run($"umount {Shell.Quote(mountPoint)}").ExitCode != 0)
            {
                Shell.Run($"umount -l {Shell.Quote(mountPoint)}");
            }
        }

        if (Device.Length > 0)
        {
            Shell.Run($"losetup -d {Shell.Quote(Device)}");
        }

        temp.Dispose();
    }

    public static bool IsMounted(string mountPoint) =>
        Shell.Run($"mountpoint -q {Shell.Quote(mountPoint)}").ExitCode == 0;

    private void Mount(string arguments, string mountPoint)
    {
        Track(mountPoint);
        Shell.Ok($"mount {arguments}");
    }
}
