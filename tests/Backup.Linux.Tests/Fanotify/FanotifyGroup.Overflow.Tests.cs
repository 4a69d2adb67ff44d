using System.Globalization;
using Backup.Linux.Fanotify;

namespace Backup.Linux.Tests.Fanotify;

[Collection(FanotifyCollection.Name)]
public sealed class FanotifyGroupOverflowTests
{
    private const string MaxQueuedEvents = "/proc/sys/fs/fanotify/max_queued_events";

    [RequiresRootFact("mount")]
    public void FullQueueEndsWithOneOverflowEventWithoutInformation()
    {
        using var scratch = ScratchMount.Tmpfs();
        FanotifyGroup group;

        // The queue length is read once, in fanotify_init: shrink it only around that call.
        var old = File.ReadAllText(MaxQueuedEvents).Trim();
        File.WriteAllText(MaxQueuedEvents, "64");
        try
        {
            group = FanotifyGroup.CreateChangeGroup();
        }
        finally
        {
            File.WriteAllText(MaxQueuedEvents, old);
        }

        using (group)
        {
            Assert.Equal(old, File.ReadAllText(MaxQueuedEvents).Trim());
            group.AddFilesystemMark(scratch.MountPoint, ChangeMask.Default);
            for (var i = 0; i < 300; i++)
            {
                File.WriteAllText(scratch[i.ToString(CultureInfo.InvariantCulture)], "x");
            }

            var events = EventStream.ReadAll(group);

            var overflow = Assert.Single(events, e => e.Mask.HasFlag(FanotifyMask.QueueOverflow));
            Assert.Empty(overflow.Infos);
            Assert.Same(overflow, events[^1]);
            Assert.InRange(events.Count, 2, 65);
        }
    }

    [RequiresRootFact("mount")]
    public void QueueWithRoomHasNoOverflow()
    {
        using var scratch = ScratchMount.Tmpfs();
        using var group = FanotifyGroup.CreateChangeGroup();
        group.AddFilesystemMark(scratch.MountPoint, ChangeMask.Default);
        for (var i = 0; i < 300; i++)
        {
            File.WriteAllText(scratch[i.ToString(CultureInfo.InvariantCulture)], "x");
        }

        var events = EventStream.ReadAll(group);

        Assert.DoesNotContain(events, e => e.Mask.HasFlag(FanotifyMask.QueueOverflow));
        Assert.Equal(300, events.Count(e => e.Mask.HasFlag(FanotifyMask.Create)));
    }
}
