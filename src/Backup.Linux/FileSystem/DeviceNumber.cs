namespace Backup.Linux.FileSystem;

/// <summary>dev_t values in glibc's encoding (sys/sysmacros.h), as st_dev/st_rdev report them and mknod(2) takes them.</summary>
public static class DeviceNumber
{
    public static ulong Make(uint major, uint minor) =>
        ((ulong)(major & 0xfffff000u) << 32)
        | ((ulong)(major & 0xfffu) << 8)
        | ((ulong)(minor & 0xffffff00u) << 12)
        | (minor & 0xffu);

    public static uint Major(ulong device) =>
        (uint)(((device >> 32) & 0xfffff000u) | ((device >> 8) & 0xfffu));

    public static uint Minor(ulong device) =>
        (uint)(((device >> 12) & 0xffffff00u) | (device & 0xffu));
}
