using Backup.Linux.Fanotify;
using Backup.Linux.Tests.Infrastructure;

namespace Backup.Linux.Tests.Fanotify;

/// <summary>
/// The ignore mark the change journal puts on a new directory, on a real ext4: it hides new, written, changed
/// and deleted files in the directory, and nothing the journal needs from elsewhere.
/// </summary>
[Collection(FanotifyCollection.Name)]
public sealed class FanotifyGroupIgnoreMarksTests
{
    [RequiresRootFact("mount", "mkfs.ext4", "truncate")]
    public void IgnoreMarkHidesFileChangesInTheDirectoryButNotSubdirectoriesRenamesOrLinkCounts()
    {
        using var scratch = ScratchMount.Ext4();
        string fresh = scratch["fresh"], old = scratch["old"];
        Directory.CreateDirectory(fresh);
        Directory.CreateDirectory(old);
        File.WriteAllText(Path.Combine(old, "linked"), "one");
        using var group = FanotifyGroup.CreateChangeGroup();
        group.AddFilesystemMark(scratch.MountPoint, ChangeMask.Default);
        using var resolver = new HandleResolver(scratch.MountPoint);
        using (var directory = resolver.OpenDirectory(FileHandle.Of(fresh), out var errno))
        {
            Assert.True(directory is not null, $"open_by_handle_at of {fresh}: errno {errno}");
            Assert.Equal(IgnoreMarkResult.Placed, group.TryIgnore(directory, ChangeMask.ChildrenOfNewDirectory, out _));
        }

        File.WriteAllText(Path.Combine(fresh, "hidden"), "content");
        File.SetUnixFileMode(Path.Combine(fresh, "hidden"), UnixFileMode.UserRead);
        File.Delete(Path.Combine(fresh, "hidden"));
        File.WriteAllText(Path.Combine(fresh, "moved"), "content");
        File.Move(Path.Combine(fresh, "moved"), Path.Combine(old, "moved"));
        Directory.CreateDirectory(Path.Combine(fresh, "sub"));
        Shell.Ok($"ln {Shell.Quote(Path.Combine(old, "linked"))} {Shell.Quote(Path.Combine(fresh, "link"))}");
        File.WriteAllText(Path.Combine(old, "end"), string.Empty);

        var events = EventStream.ReadUntil(group, e => e.Infos.Any(i => i.Name == "end"));
        var freshHandle = FileHandle.Of(fresh);
        var namedInFresh = events.Where(e => e.Infos.Any(i => i.Type == FanotifyInfoType.DfidName && freshHandle.Equals(i.Handle))).ToList();
        Assert.All(namedInFresh, e => Assert.True(e.Mask.HasFlag(FanotifyMask.OnDir), $"a file's event in the ignored directory: {e}"));
        Assert.Contains(namedInFresh, e => e.Mask.HasFlag(FanotifyMask.Create) && e.Infos.Any(i => i.Name == "sub"));
        Assert.Contains(events, e => e.Mask.HasFlag(FanotifyMask.Rename) && e.Find(FanotifyInfoType.NewDfidName)?.Name == "moved");

        // The link's new count is an event about the inode alone, which no directory's mark can hide.
        var linkedHandle = FileHandle.Of(Path.Combine(old, "linked"));
        Assert.Contains(events, e => e.Mask.HasFlag(FanotifyMask.Attrib) && e.Find(FanotifyInfoType.DfidName) is null && linkedHandle.Equals(e.Find(FanotifyInfoType.Fid)?.Handle));

        group.RemoveInodeMarks();
        File.WriteAllText(Path.Combine(fresh, "after"), "content");
        events = EventStream.ReadUntil(group, e => e.Infos.Any(i => i.Name == "after"));
        Assert.Contains(events, e => e.Mask.HasFlag(FanotifyMask.Create) && freshHandle.Equals(e.Find(FanotifyInfoType.DfidName)?.Handle));
    }

    [RequiresRootFact("mount", "mkfs.ext4", "truncate")]
    public void OpenDirectoryOfAHandleThatIsGoneOrAFileFails()
    {
        using var scratch = ScratchMount.Ext4();
        Directory.CreateDirectory(scratch["gone"]);
        File.WriteAllText(scratch["file"], "x");
        var gone = FileHandle.Of(scratch["gone"]);
        Directory.Delete(scratch["gone"]);
        using var resolver = new HandleResolver(scratch.MountPoint);

        Assert.Null(resolver.OpenDirectory(gone, out var goneErrno));
        Assert.Equal(ErrnoValues.ESTALE, goneErrno);
        Assert.Null(resolver.OpenDirectory(FileHandle.Of(scratch["file"]), out var fileErrno));
        Assert.Equal(Interop.Errors.ENOTDIR, fileErrno);
    }
}
