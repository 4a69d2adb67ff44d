using Backup.Core.Archiving;
using Backup.Daemon.Watching;
using Backup.Linux.Fanotify;

namespace Backup.Daemon.Tests.Watching;

/// <summary>The journal's ignore marks on new directories, on a real tmpfs with a real fanotify group.</summary>
public sealed class NewDirectoryMarksTests
{
    [RequiresRootFact("mount")]
    public void A_marked_directory_is_recorded_as_changed_and_its_files_are_reported_again_once_the_marks_are_removed()
    {
        using var scratch = ScratchMount.Tmpfs();
        var fresh = scratch["fresh"];
        Directory.CreateDirectory(fresh);
        using var group = FanotifyGroup.CreateChangeGroup();
        group.AddFilesystemMark(scratch.MountPoint, ChangeMask.Default);
        var fsid = FilesystemInfo.Of(scratch.MountPoint).Fsid;
        var handle = FileHandle.Of(fresh);
        var marks = new NewDirectoryMarks(group, Serilog.Core.Logger.None);
        var pending = new PendingChanges(100);

        marks.Place([(fsid, handle)], f => f == fsid ? scratch.MountPoint : null, pending);

        Assert.Equal(1, marks.Count);
        Assert.True(marks.PlacedRecently);
        Assert.Equal(DirtyFlags.Children, Assert.Single(pending.Take().Directories, d => d.Key == (fsid, handle)).Value);
        File.WriteAllText(Path.Combine(fresh, "hidden"), "x");
        File.WriteAllText(scratch["end"], "x");
        Assert.DoesNotContain(EventStream.ReadUntil(group, e => e.Infos.Any(i => i.Name == "end")), e => e.Infos.Any(i => i.Name == "hidden"));

        marks.RemoveAll();

        Assert.Equal(0, marks.Count);
        File.WriteAllText(Path.Combine(fresh, "reported"), "x");
        File.WriteAllText(scratch["end2"], "x");
        Assert.Contains(EventStream.ReadUntil(group, e => e.Infos.Any(i => i.Name == "end2")), e => e.Infos.Any(i => i.Name == "reported" && handle.Equals(i.Handle)));
    }

    [RequiresRootFact("mount")]
    public void A_directory_that_is_gone_or_on_an_unwatched_filesystem_is_neither_marked_nor_recorded()
    {
        using var scratch = ScratchMount.Tmpfs();
        var gone = scratch["gone"];
        Directory.CreateDirectory(gone);
        Directory.CreateDirectory(scratch["elsewhere"]);
        using var group = FanotifyGroup.CreateChangeGroup();
        var fsid = FilesystemInfo.Of(scratch.MountPoint).Fsid;
        var goneHandle = FileHandle.Of(gone);
        Directory.Delete(gone);
        var marks = new NewDirectoryMarks(group, Serilog.Core.Logger.None);
        var pending = new PendingChanges(100);

        marks.Place([(fsid, goneHandle)], _ => scratch.MountPoint, pending);
        marks.Place([(fsid, FileHandle.Of(scratch["elsewhere"]))], _ => null, pending);

        Assert.Equal(0, marks.Count);
        Assert.True(pending.Take().IsEmpty);
    }
}
