using Backup.Core.Archiving;
using Backup.Daemon.Watching;
using Backup.Linux.Fanotify;

namespace Backup.Daemon.Tests.Watching;

public sealed class EventTranslatorTests
{
    private const int OwnPid = 4242;
    private static readonly Fsid Fs = new(0x1234_5678_9abc_def0);
    private static readonly FileHandle Dir = Handle(1);
    private static readonly FileHandle Other = Handle(2);
    private static readonly FileHandle Child = Handle(3);

    [Fact]
    public void An_entry_named_in_a_directory_marks_the_directorys_children()
    {
        var batch = Translate(Event(FanotifyMask.Create | FanotifyMask.CloseWrite, Info(FanotifyInfoType.DfidName, Dir, "file"), Info(FanotifyInfoType.Fid, Child)));
        Assert.Equal(DirtyFlags.Children, Assert.Single(batch.Directories).Value);
        Assert.Empty(batch.Inodes);
    }

    [Fact]
    public void A_directorys_own_event_marks_the_directory_itself()
    {
        var batch = Translate(Event(FanotifyMask.Attrib | FanotifyMask.OnDir, Info(FanotifyInfoType.DfidName, Dir, ".")));
        Assert.Equal(DirtyFlags.Self, batch.Directories[(Fs, Dir)]);
    }

    [Fact]
    public void A_renamed_directory_marks_both_parents_and_its_own_subtree()
    {
        var batch = Translate(Event(
            FanotifyMask.Rename | FanotifyMask.OnDir,
            Info(FanotifyInfoType.OldDfidName, Dir, "a"),
            Info(FanotifyInfoType.NewDfidName, Other, "b"),
            Info(FanotifyInfoType.Fid, Child)));
        Assert.Equal(DirtyFlags.Children, batch.Directories[(Fs, Dir)]);
        Assert.Equal(DirtyFlags.Children, batch.Directories[(Fs, Other)]);
        Assert.Equal(DirtyFlags.Recursive, batch.Directories[(Fs, Child)]);
    }

    [Fact]
    public void A_renamed_file_does_not_mark_a_subtree()
    {
        var batch = Translate(Event(FanotifyMask.Rename, Info(FanotifyInfoType.OldDfidName, Dir, "a"), Info(FanotifyInfoType.NewDfidName, Dir, "b"), Info(FanotifyInfoType.Fid, Child)));
        Assert.Equal(DirtyFlags.Children, Assert.Single(batch.Directories).Value);
    }

    [Fact]
    public void An_event_with_only_the_objects_handle_is_kept_as_an_inode_to_locate()
    {
        var batch = Translate(Event(FanotifyMask.Attrib, Info(FanotifyInfoType.Fid, Child)));
        Assert.Empty(batch.Directories);
        Assert.Equal((Fs, Child), Assert.Single(batch.Inodes));
    }

    [Fact]
    public void An_overflow_is_a_gap_and_drops_what_was_pending()
    {
        var pending = new PendingChanges(100);
        EventTranslator.Translate(Event(FanotifyMask.Modify, Info(FanotifyInfoType.DfidName, Dir, "f")), OwnPid, pending);
        EventTranslator.Translate(Event(FanotifyMask.QueueOverflow), OwnPid, pending);
        EventTranslator.Translate(Event(FanotifyMask.Modify, Info(FanotifyInfoType.DfidName, Other, "g")), OwnPid, pending);
        var batch = pending.Take();
        Assert.Contains("overflowed", batch.Gap);
        Assert.Empty(batch.Directories);
        Assert.True(pending.Take().IsEmpty);
    }

    [Fact]
    public void The_daemons_own_events_are_ignored()
    {
        var batch = Translate(Event(FanotifyMask.Modify, Info(FanotifyInfoType.DfidName, Dir, "state.db-wal")) with { Pid = OwnPid });
        Assert.True(batch.IsEmpty);
    }

    [Fact]
    public void Too_many_pending_directories_become_a_gap_instead_of_unbounded_memory()
    {
        var pending = new PendingChanges(10);
        for (var i = 0; i < 11; i++)
        {
            EventTranslator.Translate(Event(FanotifyMask.Create, Info(FanotifyInfoType.DfidName, Handle((byte)(10 + i)), "x")), OwnPid, pending);
        }

        var batch = pending.Take();
        Assert.Contains("more than 10", batch.Gap);
        Assert.Empty(batch.Directories);
    }

    [Fact]
    public void A_mkdir_names_the_new_directory_by_its_own_handle()
    {
        var created = EventTranslator.CreatedDirectory(Event(FanotifyMask.Create | FanotifyMask.OnDir, Info(FanotifyInfoType.DfidName, Dir, "new"), Info(FanotifyInfoType.Fid, Child)), OwnPid);
        Assert.Equal((Fs, Child), created);
    }

    [Fact]
    public void Only_a_mkdir_by_another_process_names_a_new_directory()
    {
        TestEvent[] others =
        [
            Event(FanotifyMask.Create, Info(FanotifyInfoType.DfidName, Dir, "file"), Info(FanotifyInfoType.Fid, Child)),
            Event(FanotifyMask.Rename | FanotifyMask.OnDir, Info(FanotifyInfoType.OldDfidName, Dir, "a"), Info(FanotifyInfoType.NewDfidName, Other, "b"), Info(FanotifyInfoType.Fid, Child)),
            Event(FanotifyMask.Attrib | FanotifyMask.OnDir, Info(FanotifyInfoType.DfidName, Dir, "."), Info(FanotifyInfoType.Fid, Dir)),
            Event(FanotifyMask.Create | FanotifyMask.OnDir, Info(FanotifyInfoType.Fid, Child)),
            Event(FanotifyMask.Create | FanotifyMask.OnDir, Info(FanotifyInfoType.DfidName, Dir, "new")),
            new(FanotifyMask.Create | FanotifyMask.OnDir, OwnPid, [Info(FanotifyInfoType.DfidName, Dir, "new"), Info(FanotifyInfoType.Fid, Child)]),
        ];
        Assert.All(others, e => Assert.Null(EventTranslator.CreatedDirectory(e, OwnPid)));
    }

    private static PendingBatch Translate(TestEvent e)
    {
        var pending = new PendingChanges(1000);
        EventTranslator.Translate(e.ToEvent(), OwnPid, pending);
        return pending.Take();
    }

    private static TestEvent Event(FanotifyMask mask, params FanotifyInfo[] infos) => new(mask, 1, infos);

    private static FanotifyInfo Info(FanotifyInfoType type, FileHandle? handle = null, string? name = null) => new(type, Fs, handle, name, 0);

    private static FileHandle Handle(byte b) => FileHandle.FromArray([1, 0, 0, 0, b, 0, 0, 0, 7, 0, 0, 0]);

    private sealed record TestEvent(FanotifyMask Mask, int Pid, FanotifyInfo[] Infos)
    {
        public FanotifyEvent ToEvent() => new() { Mask = Mask, Pid = Pid, Infos = Infos };

        public static implicit operator FanotifyEvent(TestEvent e) => e.ToEvent();
    }
}
