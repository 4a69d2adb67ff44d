namespace Backup.Core.FileSystem;

/// <summary>The kinds of file a Linux filesystem holds.</summary>
public enum FileKind
{
    Regular,
    Directory,
    Symlink,
    BlockDevice,
    CharDevice,
    Fifo,
    Socket,
}

/// <summary>A point in time as the kernel reports it: seconds since the epoch and nanoseconds.</summary>
public readonly record struct Timespec(long Seconds, uint Nanoseconds)
{
    public static Timespec FromDateTimeOffset(DateTimeOffset value)
    {
        var ticks = value.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
        var seconds = Math.DivRem(ticks, TimeSpan.TicksPerSecond, out var remainder);
        if (remainder < 0)
        {
            seconds--;
            remainder += TimeSpan.TicksPerSecond;
        }

        return new Timespec(seconds, (uint)(remainder * 100));
    }
}

/// <summary>What lstat(2)/statx(2) says about one file (the link itself, never its target).</summary>
/// <param name="Mode">The raw st_mode, type bits included.</param>
public readonly record struct FileStatus(
    FileKind Kind,
    uint Mode,
    uint Uid,
    uint Gid,
    long Size,
    ulong Inode,
    ulong Device,
    ulong Links,
    ulong RDev,
    Timespec Atime,
    Timespec Mtime,
    Timespec Ctime,
    long AllocatedBytes)
{
    /// <summary>Permission and set-id/sticky bits (st_mode &amp; 07777).</summary>
    public uint Permissions => Mode & 0xFFF;
}

/// <summary>One extended attribute of a file, its name as the kernel lists it (e.g. "user.comment").</summary>
public sealed record ExtendedAttribute(string Name, byte[] Value);
