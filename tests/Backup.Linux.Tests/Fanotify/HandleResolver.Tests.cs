using System.Globalization;
using Backup.Linux.Fanotify;
using Backup.Linux.Tests.Infrastructure;

namespace Backup.Linux.Tests.Fanotify;

/// <summary>open_by_handle_at through a real ext4 mount and a bind mount of part of it.</summary>
[Collection(FanotifyCollection.Name)]
public sealed class HandleResolverTests
{
    [RequiresRootFact("mount", "mkfs.ext4", "truncate")]
    public void DeletedDirectoryResolvesAsDeleted()
    {
        using var scratch = ScratchMount.Ext4();
        Directory.CreateDirectory(scratch["gone/x"]);
        var gone = FileHandle.Of(scratch["gone"]);
        using var resolver = new HandleResolver(scratch.MountPoint);
        Assert.Equal(new HandleResolution(ResolutionStatus.Ok, scratch["gone"], 0), resolver.Resolve(gone));

        Directory.Delete(scratch["gone"], recursive: true);

        Assert.Equal(ResolutionStatus.Deleted, resolver.Resolve(gone).Status);
        Assert.Equal(ResolutionStatus.Deleted, resolver.ResolveInode(gone).Status);
    }

    [RequiresRootFact("mount", "mkfs.ext4", "truncate")]
    public void MountRootGivenThroughASymlinkResolvesToTheKernelsSpellingOfPaths()
    {
        using var scratch = ScratchMount.Ext4();
        Directory.CreateDirectory(scratch["docs/2024"]);
        var link = Path.Combine(scratch.Outside("links"), "to-mount");
        File.CreateSymbolicLink(link, scratch.MountPoint + "/");
        var handle = FileHandle.Of(scratch["docs/2024"]);

        using var resolver = new HandleResolver(link);

        // Opening handles (as marking a new directory does) works before the root's spelling is known.
        using (var directory = resolver.OpenDirectory(handle, out var errno))
        {
            Assert.True(directory is not null, $"errno {errno}");
        }

        Assert.Equal(new HandleResolution(ResolutionStatus.Ok, scratch["docs/2024"], 0), resolver.Resolve(handle));
        Assert.Equal(scratch.MountPoint, resolver.MountRoot);
    }

    [RequiresRootFact("mount", "mkfs.ext4", "truncate")]
    public void UnlinkedFileStillOpenResolvesAsDeletedWithItsLastPath()
    {
        using var scratch = ScratchMount.Ext4();
        var path = scratch["victim"];
        File.WriteAllText(path, "x");
        var handle = FileHandle.Of(path);
        using var resolver = new HandleResolver(scratch.MountPoint);

        using (File.OpenRead(path))
        {
            File.Delete(path);

            Assert.Equal(new HandleResolution(ResolutionStatus.Deleted, path, 0), resolver.Resolve(handle));
            var inode = resolver.ResolveInode(handle);
            Assert.Equal(ResolutionStatus.Deleted, inode.Status);
            Assert.Equal(0u, inode.Links);
        }
    }

    [RequiresRootFact("mount", "mkfs.ext4", "truncate")]
    public void DirectoryOutsideABindMountIsUnreachableThroughIt()
    {
        using var scratch = ScratchMount.Ext4();
        Directory.CreateDirectory(scratch["shared/inner"]);
        Directory.CreateDirectory(scratch["private/deeper"]);
        var bind = scratch.Outside("bind");
        scratch.MountOther($"--bind {Shell.Quote(scratch["shared"])}", bind);

        using var throughBind = new HandleResolver(bind);
        using var throughRoot = new HandleResolver(scratch.MountPoint);
        var outside = FileHandle.Of(scratch["private/deeper"]);

        Assert.Equal(ResolutionStatus.Unreachable, throughBind.Resolve(outside).Status);
        Assert.Equal(new HandleResolution(ResolutionStatus.Ok, scratch["private/deeper"], 0), throughRoot.Resolve(outside));
        Assert.Equal(new HandleResolution(ResolutionStatus.Ok, Path.Combine(bind, "inner"), 0), throughBind.Resolve(FileHandle.Of(scratch["shared/inner"])));
        Assert.Equal(new HandleResolution(ResolutionStatus.Ok, bind, 0), throughBind.Resolve(FileHandle.Of(scratch["shared"])));
    }

    [RequiresRootFact("mount", "mkfs.ext4", "truncate")]
    public void ResolveInodeGivesInodeNumberAndLinkCountOfAHardLinkedFile()
    {
        using var scratch = ScratchMount.Ext4();
        Directory.CreateDirectory(scratch["a"]);
        Directory.CreateDirectory(scratch["b"]);
        File.WriteAllText(scratch["a/x"], "data");
        Shell.Ok($"ln {Shell.Quote(scratch["a/x"])} {Shell.Quote(scratch["b/y"])}");
        var inode = ulong.Parse(Shell.Ok($"stat -c %i {Shell.Quote(scratch["b/y"])}").StdOut.Trim(), CultureInfo.InvariantCulture);
        using var resolver = new HandleResolver(scratch.MountPoint);

        var resolution = resolver.ResolveInode(FileHandle.Of(scratch["a/x"]));

        Assert.Equal(ResolutionStatus.Ok, resolution.Status);
        Assert.Contains(resolution.Path, new[] { scratch["a/x"], scratch["b/y"] });
        Assert.Equal(inode, resolution.Inode);
        Assert.Equal(2u, resolution.Links);
        Assert.False(resolution.IsDirectory);
        Assert.Equal(FilesystemInfo.Of(scratch.MountPoint).Device, resolution.Device);

        var directory = resolver.ResolveInode(FileHandle.Of(scratch["a"]));
        Assert.True(directory.IsDirectory);
        Assert.Equal(scratch["a"], directory.Path);
    }

    [Fact]
    public void MountRootThatIsNotADirectoryIsRejected()
    {
        using var temp = new TemporaryDirectory();
        File.WriteAllText(temp["file"], string.Empty);

        Assert.ThrowsAny<IOException>(() => new HandleResolver(temp["file"]));
        Assert.Throws<ArgumentException>(() => new HandleResolver("relative/path"));
    }
}
