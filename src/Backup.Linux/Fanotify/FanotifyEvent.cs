namespace Backup.Linux.Fanotify;

/// <summary>One event read from a fanotify group. The mask is a set: events for the same object merge.</summary>
public sealed class FanotifyEvent
{
    public FanotifyMask Mask { get; init; }

    /// <summary>The process that caused the event (the daemon should drop its own).</summary>
    public int Pid { get; init; }

    /// <summary>The information records, in the order the kernel wrote them (which it does not guarantee).</summary>
    public IReadOnlyList<FanotifyInfo> Infos { get; init; } = [];

    /// <summary>The first record of the given type, or null.</summary>
    public FanotifyInfo? Find(FanotifyInfoType type)
    {
        foreach (var info in Infos)
        {
            if (info.Type == type)
            {
                return info;
            }
        }

        return null;
    }

    public override string ToString() =>
        $"{Mask} pid={Pid} [{string.Join(", ", Infos.Select(i => i.Name is null ? $"{i.Type} {i.Handle}" : $"{i.Type} {i.Handle} '{i.Name}'"))}]";
}
