namespace Backup.Linux.Fanotify;

/// <summary>info_type of struct fanotify_event_info_header.</summary>
public enum FanotifyInfoType : byte
{
    Fid = 1,
    DfidName = 2,
    Dfid = 3,
    PidFd = 4,
    Error = 5,
    Range = 6,
    Mnt = 7,
    OldDfidName = 10,
    NewDfidName = 12,
}

/// <summary>
/// One information record of an event. File-handle records carry <see cref="Fsid"/> and <see cref="Handle"/>;
/// the *DfidName records also the entry name (decoded with PathEncoding, so non-UTF-8 bytes survive;
/// "." for events on the directory itself); Mnt records carry <see cref="MountId"/>. Absent parts are
/// default/null. Records of other types are kept with only their type.
/// </summary>
public readonly record struct FanotifyInfo(FanotifyInfoType Type, Fsid Fsid, FileHandle? Handle, string? Name, ulong MountId);
