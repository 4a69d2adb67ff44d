using Backup.Core.Archiving;
using Backup.Daemon.Watching;
using Backup.Linux.Fanotify;
using Backup.TestSupport;

namespace Backup.Daemon.Tests.Watching;

/// <summary>The journal's ignore marks on new directories, on a real tmpfs with a real fanotify group.</summary>
public sealed class NewDirectoryMarksTests : IDisposable
{
    private readonly string _mount = Path.Combine(Path.GetTempPath(), $"new-directory-marks-{Guid.NewGuid():N}");

    public NewDirectoryMarksTests()
    {
        Directory.CreateDirectory(_mount);
    }

    [RequiresRootFact("mount")]
    public void A_marked_directory_is_recorded_as_changed_and_its_files_are_reported_again_once_the_marks_are_removed()
    {
        Mount();
        var fresh = Path.Combine(_mount, "fresh");
        Directory.CreateDirectory(fresh);
        using var group = FanotifyGroup.CreateChangeGroup();
        group.AddFilesystemMark(_mount, ChangeMask.Default);
        var fsid = FilesystemInfo.Of(_mount).Fsid;
        var handle = FileHandle.Of(fresh);
        var marks = new NewDirectoryMarks(group, Serilog.Core.Logger.None);
        var pending = new PendingChanges(100);

        marks.Place([(fsid, handle)], f => f == fsid ? _mount : null, pending);

        Assert.Equal(1, marks.Count);
        Assert.True(marks.PlacedRecently);
        Assert.Equal(DirtyFlags.Children, Assert.Single(pending.Take().Directories, d => d.Key == (fsid, handle)).Value);
        File.WriteAllText(Path.Combine(fresh, "hidden"), "x");
        File.WriteAllText(Path.Combine(_mount, "end"), "x");
        Assert.DoesNotContain(ReadUntil(group, "end"), e => e.Infos.Any(i => i.Name == "hidden"));

        marks.RemoveAll();

        Assert.Equal(0, marks.Count);
        File.WriteAllText(Path.Combine(fresh, "reported"), "x");
        File.WriteAllText(Path.Combine(_mount, "end2"), "x");
        Assert.Contains(ReadUntil(group, "end2"), e => e.Infos.Any(i => i.Name == "reported" && handle.Equals(i.Handle)));
    }

    [RequiresRootFact("mount")]
    public void A_directory_that_is_gone_or_on_an_unwatched_filesystem_is_neither_marked_nor_recorded()
    {
        Mount();
        var gone = Path.Combine(_mount, "gone");
        Directory.CreateDirectory(gone);
        Directory.CreateDirectory(Path.Combine(_mount, "elsewhere"));
        using var group = FanotifyGroup.CreateChangeGroup();
        var fsid = FilesystemInfo.Of(_mount).Fsid;
        var goneHandle = FileHandle.Of(gone);
        Directory.Delete(gone);
        var marks = new NewDirectoryMarks(group, Serilog.Core.Logger.None);
        var pending = new PendingChanges(100);

        marks.Place([(fsid, goneHandle)], _ => _mount, pending);
        marks.Place([(fsid, FileHandle.Of(Path.Combine(_mount, "elsewhere")))], _ => null, pending);

        Assert.Equal(0, marks.Count);
        Assert.True(pending.Take().IsEmpty);
    }

    public void Dispose()
    {
        if (File.ReadAllText("/proc/self/mounts").Contains($" {_mount} ", StringComparison.Ordinal))
        {
            Run("umount", _mount);
        }

        Directory.Delete(_mount, recursive: true);
    }

    private static List<FanotifyEvent> ReadUntil(FanotifyGroup group, string lastName)
    {
        var events = new List<FanotifyEvent>();
        var buffer = new byte[64 * 1024];
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!events.Any(e => e.Infos.Any(i => i.Name == lastName)))
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"no event for {lastName} within 10 s");
            if (group.WaitReadable(100))
            {
                FanotifyEventParser.Parse(buffer.AsSpan(0, group.Read(buffer)), events);
            }
        }

        return events;
    }

    private static void Run(string program, params string[] arguments)
    {
        using var process = System.Diagnostics.Process.Start(program, arguments);
        process.WaitForExit();
        Assert.Equal(0, process.ExitCode);
    }

    private void Mount() => Run("mount", "-t", "tmpfs", "tmpfs", _mount);
}
