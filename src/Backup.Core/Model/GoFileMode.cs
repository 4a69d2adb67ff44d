namespace Backup.Core.Model;

/// <summary>
/// Go's <c>os.FileMode</c> bits, which restic stores as a node's <c>mode</c> (format 9.4). They are not
/// Unix <c>st_mode</c>: a directory 0755 is 2147484141, not 040755.
/// </summary>
public static class GoFileMode
{
    public const uint Dir = 1u << 31;
    public const uint Symlink = 1u << 27;
    public const uint Device = 1u << 26;
    public const uint NamedPipe = 1u << 25;
    public const uint Socket = 1u << 24;
    public const uint Setuid = 1u << 23;
    public const uint Setgid = 1u << 22;
    public const uint CharDevice = 1u << 21;
    public const uint Sticky = 1u << 20;
    public const uint Irregular = 1u << 19;

    /// <summary>The nine rwx permission bits.</summary>
    public const uint Perm = 0x1FF;

    /// <summary>All type bits: a regular file has none of them.</summary>
    public const uint TypeMask = Dir | Symlink | NamedPipe | Socket | Device | CharDevice | Irregular;

    // Unix st_mode type field (S_IFMT) and special bits.
    private const uint UnixTypeMask = 0xF000;
    private const uint UnixFifo = 0x1000;
    private const uint UnixCharDevice = 0x2000;
    private const uint UnixDirectory = 0x4000;
    private const uint UnixBlockDevice = 0x6000;
    private const uint UnixRegular = 0x8000;
    private const uint UnixSymlink = 0xA000;
    private const uint UnixSocket = 0xC000;
    private const uint UnixSetuid = 0x800;
    private const uint UnixSetgid = 0x400;
    private const uint UnixSticky = 0x200;

    /// <summary>Converts an <c>st_mode</c> (type bits and 07777) into the Go FileMode restic stores.</summary>
    public static uint FromUnixMode(uint stMode)
    {
        var mode = stMode & Perm;
        mode |= (stMode & UnixTypeMask) switch
        {
            UnixDirectory => Dir,
            UnixSymlink => Symlink,
            UnixBlockDevice => Device,
            UnixCharDevice => Device | CharDevice,
            UnixFifo => NamedPipe,
            UnixSocket => Socket,
            _ => 0u,
        };
        if ((stMode & UnixSetuid) != 0)
        {
            mode |= Setuid;
        }

        if ((stMode & UnixSetgid) != 0)
        {
            mode |= Setgid;
        }

        if ((stMode & UnixSticky) != 0)
        {
            mode |= Sticky;
        }

        return mode;
    }

    /// <summary>The <c>chmod</c> bits (07777, set-id and sticky included) of a Go FileMode.</summary>
    public static uint ToUnixPermissions(uint goMode)
    {
        var permissions = goMode & Perm;
        if ((goMode & Setuid) != 0)
        {
            permissions |= UnixSetuid;
        }

        if ((goMode & Setgid) != 0)
        {
            permissions |= UnixSetgid;
        }

        if ((goMode & Sticky) != 0)
        {
            permissions |= UnixSticky;
        }

        return permissions;
    }

    /// <summary>The full <c>st_mode</c> (type and permission bits) of a Go FileMode.</summary>
    public static uint ToUnixMode(uint goMode)
    {
        var type = (goMode & TypeMask) switch
        {
            Dir => UnixDirectory,
            Symlink => UnixSymlink,
            Device => UnixBlockDevice,
            Device | CharDevice => UnixCharDevice,
            NamedPipe => UnixFifo,
            Socket => UnixSocket,
            _ => UnixRegular,
        };
        return type | ToUnixPermissions(goMode);
    }

    /// <summary>The type bits a node of the given type carries in its mode.</summary>
    public static uint TypeBits(NodeType type) => type switch
    {
        NodeType.Dir => Dir,
        NodeType.Symlink => Symlink,
        NodeType.Dev => Device,
        NodeType.Chardev => Device | CharDevice,
        NodeType.Fifo => NamedPipe,
        NodeType.Socket => Socket,
        _ => 0u,
    };
}
