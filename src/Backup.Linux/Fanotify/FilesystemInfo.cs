using Backup.Linux.FileSystem;

namespace Backup.Linux.Fanotify;

/// <summary>
/// Which filesystem a path is on: the fsid fanotify events carry, the device st_dev reports, the statfs
/// magic and a short type name ("ext4", "btrfs", "tmpfs", "fuse", ...; "0x..." for magics not listed).
/// </summary>
public readonly record struct FilesystemIdentity(Fsid Fsid, ulong Device, long Magic, string TypeName);

/// <summary>statfs(2) and statx(2) of a path, and whether a fanotify filesystem mark can be expected to work there.</summary>
public static class FilesystemInfo
{
    private const long Fuse = 0x65735546;
    private const long Overlay = 0x794c7630;
    private const long Ramfs = 0x858458f6;

    /// <summary>statfs magic numbers (linux/magic.h) and their names. ext2 and ext3 share ext4's magic and driver.</summary>
    private static readonly Dictionary<long, string> Names = new()
    {
        [0xEF53] = "ext4",
        [0x9123683E] = "btrfs",
        [0x58465342] = "xfs",
        [0x01021994] = "tmpfs",
        [0xF2F52010] = "f2fs",
        [0x2fc12fc1] = "zfs",
        [0xca451a4e] = "bcachefs",
        [0x3434] = "nilfs2",
        [0x52654973] = "reiserfs",
        [0x3153464a] = "jfs",
        [0x4d44] = "vfat",
        [0x2011BAB0] = "exfat",
        [0x5346544e] = "ntfs",
        [0x7366746e] = "ntfs3",
        [0x9660] = "iso9660",
        [0x15013346] = "udf",
        [0x73717368] = "squashfs",
        [0xE0F5E1E2] = "erofs",
        [0xf15f] = "ecryptfs",
        [Ramfs] = "ramfs",
        [0x958458f6] = "hugetlbfs",
        [Fuse] = "fuse",
        [Overlay] = "overlay",
        [0x6969] = "nfs",
        [0xFF534D42] = "cifs",
        [0xFE534D42] = "smb2",
        [0x517B] = "smb",
        [0x01021997] = "9p",
        [0x00c36400] = "ceph",
        [0x5346414F] = "afs",
        [0x6B414653] = "afs",
        [0x73757245] = "coda",
        [0x0BD00BD0] = "lustre",
        [0x01161970] = "gfs2",
        [0x7461636f] = "ocfs2",
        [0x9fa0] = "proc",
        [0x62656572] = "sysfs",
        [0x27e0eb] = "cgroup",
        [0x63677270] = "cgroup2",
        [0x64626720] = "debugfs",
        [0x74726163] = "tracefs",
        [0x73636673] = "securityfs",
        [0xf97cff8c] = "selinuxfs",
        [0x43415d53] = "smackfs",
        [0x1cd1] = "devpts",
        [0x19800202] = "mqueue",
        [0xcafe4a11] = "bpf",
        [0x6165676C] = "pstore",
        [0xde5e81e4] = "efivarfs",
        [0x42494e4d] = "binfmt_misc",
        [0x62656570] = "configfs",
        [0x65735543] = "fusectl",
        [0x0187] = "autofs",
        [0x6e736673] = "nsfs",
        [0x50494446] = "pidfs",
        [0x67596969] = "rpc_pipefs",
        [0x5a3c69f0] = "apparmorfs",
        [0x6c6f6f70] = "binder",
    };

    private static readonly HashSet<string> Network = ["nfs", "cifs", "smb2", "smb", "9p", "ceph", "afs", "coda", "lustre"];

    private static readonly HashSet<string> Pseudo =
    [
        "proc", "sysfs", "cgroup", "cgroup2", "debugfs", "tracefs", "securityfs", "selinuxfs", "smackfs", "devpts",
        "mqueue", "bpf", "pstore", "efivarfs", "binfmt_misc", "configfs", "fusectl", "autofs", "nsfs", "pidfs",
        "rpc_pipefs", "apparmorfs", "binder", "hugetlbfs",
    ];

    /// <summary>The identity of the filesystem holding the path (symbolic links followed).</summary>
    /// <exception cref="FileSystemException">statfs or statx failed.</exception>
    public static unsafe FilesystemIdentity Of(string path)
    {
        Span<byte> scratch = stackalloc byte[NativePath.StackSize];
        using var native = new NativePath(path, scratch, "statfs");
        Interop.StatfsBuffer fs;
        Interop.StatxBuffer status;
        fixed (byte* p = native)
        {
            if (Interop.Statfs(p, &fs) != 0)
            {
                throw FileSystemErrors.LastError("statfs", path);
            }

            if (Interop.Statx(Interop.At.FDCWD, p, 0, Interop.STATX_BASIC_STATS, &status) != 0)
            {
                throw FileSystemErrors.LastError("statx", path);
            }
        }

        return new FilesystemIdentity(
            Fsid.FromWords(fs.Fsid0, fs.Fsid1),
            DeviceNumber.Make(status.DevMajor, status.DevMinor),
            fs.Type,
            NameOf(fs.Type));
    }

    /// <summary>The short name of a statfs magic number.</summary>
    public static string NameOf(long magic) => Names.TryGetValue(magic, out var name) ? name : $"0x{magic:x}";

    /// <summary>Null when a file-handle filesystem mark is expected to work; otherwise why not, as a sentence.</summary>
    public static string? WhyUnwatchable(FilesystemIdentity id)
    {
        if (id.Magic == Fuse)
        {
            return "FUSE filesystems report no file handles to fanotify, and changes made on the server side are invisible anyway.";
        }

        if (id.Magic == Overlay)
        {
            return "overlayfs cannot be watched with a filesystem mark; watch the filesystem holding the upper directory instead.";
        }

        if (Network.Contains(id.TypeName))
        {
            return $"{id.TypeName} is a network filesystem: network filesystems do not report remote changes.";
        }

        if (Pseudo.Contains(id.TypeName))
        {
            return $"{id.TypeName} is a pseudo filesystem whose contents the kernel generates; there is nothing to back up.";
        }

        if (id.Magic == Ramfs)
        {
            return "ramfs cannot encode file handles, which a filesystem mark needs.";
        }

        if (id.Fsid.Value == 0)
        {
            return $"{id.TypeName} reports no filesystem id, which fanotify needs to tell its events apart.";
        }

        return null;
    }
}
