using System.Globalization;
using Backup.Linux.Fanotify;
using Backup.Linux.Tests.Infrastructure;

namespace Backup.Linux.Tests.Fanotify;

[Collection(FanotifyCollection.Name)]
public sealed class FilesystemInfoTests
{
    [RequiresRootFact("mount")]
    public void TmpfsIsWatchable()
    {
        using var scratch = ScratchMount.Tmpfs();

        var id = FilesystemInfo.Of(scratch.MountPoint);

        Assert.Equal("tmpfs", id.TypeName);
        Assert.Equal(0x01021994, id.Magic);
        Assert.Null(FilesystemInfo.WhyUnwatchable(id));
        AssertMatchesCoreutils(scratch.MountPoint, id);
    }

    [RequiresRootFact("mount", "mkfs.ext4", "truncate")]
    public void Ext4IsWatchable()
    {
        using var scratch = ScratchMount.Ext4();

        var id = FilesystemInfo.Of(scratch.MountPoint);

        Assert.Equal("ext4", id.TypeName);
        Assert.Null(FilesystemInfo.WhyUnwatchable(id));
        AssertMatchesCoreutils(scratch.MountPoint, id);
    }

    [Fact]
    public void ProcIsAPseudoFilesystem()
    {
        var id = FilesystemInfo.Of("/proc");

        Assert.Equal("proc", id.TypeName);
        Assert.Contains("pseudo", FilesystemInfo.WhyUnwatchable(id), StringComparison.Ordinal);
    }

    [Fact]
    public void FuseAndNetworkFilesystemsAreNotWatchable()
    {
        Assert.Contains("FUSE", FilesystemInfo.WhyUnwatchable(new FilesystemIdentity(default, 0, 0x65735546, "fuse")), StringComparison.Ordinal);
        Assert.Contains("network", FilesystemInfo.WhyUnwatchable(new FilesystemIdentity(new Fsid(5), 0, 0x6969, "nfs")), StringComparison.Ordinal);
        Assert.NotNull(FilesystemInfo.WhyUnwatchable(new FilesystemIdentity(default, 0, 0x12345678, "0x12345678")));
    }

    [Fact]
    public void MissingPathThrowsWithThePath()
    {
        var error = Assert.ThrowsAny<IOException>(() => FilesystemInfo.Of("/nonexistent/for/sure"));

        Assert.Contains("/nonexistent/for/sure", error.Message, StringComparison.Ordinal);
    }

    /// <summary>stat(1) prints st_dev in decimal and f_fsid with the two words in the opposite order (val[0] high).</summary>
    private static void AssertMatchesCoreutils(string path, FilesystemIdentity id)
    {
        var device = ulong.Parse(Shell.Ok($"stat -c %d {Shell.Quote(path)}").StdOut.Trim(), CultureInfo.InvariantCulture);
        var fsid = ulong.Parse(Shell.Ok($"stat -f -c %i {Shell.Quote(path)}").StdOut.Trim(), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);

        Assert.Equal(device, id.Device);
        Assert.Equal((fsid >> 32) | (fsid << 32), id.Fsid.Value);
    }
}
