using System.Net.Sockets;

namespace Backup.Linux.Systemd;

/// <summary>
/// A descriptor the service manager passed to this process (a .socket unit's ListenStream= and friends),
/// with its FileDescriptorName= ("unknown" when the manager gave none). The instance owns the descriptor
/// until <see cref="ToUnixListener"/> hands it to a <see cref="Socket"/>; disposing closes it otherwise.
/// </summary>
public sealed class ActivatedSocket : IDisposable
{
    private int fd;

    internal ActivatedSocket(int fileDescriptor, string name)
    {
        fd = fileDescriptor;
        FileDescriptor = fileDescriptor;
        Name = name;
    }

    /// <summary>The descriptor number (3, 4, … in the order the unit lists the sockets).</summary>
    public int FileDescriptor { get; }

    public string Name { get; }

    /// <summary>
    /// The descriptor as a listening <see cref="Socket"/>, which takes ownership of it. Only AF_UNIX
    /// SOCK_STREAM sockets in the listening state are accepted, which is what the daemon's control
    /// socket is; anything else is a unit file mistake, reported with what the descriptor really is.
    /// </summary>
    /// <exception cref="InvalidOperationException">The descriptor is not a listening unix stream socket, or was already handed over.</exception>
    public Socket ToUnixListener()
    {
        ObjectDisposedException.ThrowIf(fd < 0, this);
        var problem = DescribeMismatch(fd);
        if (problem is not null)
        {
            throw new InvalidOperationException(
                $"socket activation: descriptor {fd} named '{Name}' {problem}; check that the .socket unit declares it with ListenStream=/path (a unix stream socket)");
        }

        var socket = new Socket(new SafeSocketHandle(fd, ownsHandle: true));
        fd = -1;
        return socket;
    }

    public void Dispose()
    {
        if (fd >= 0)
        {
            _ = Interop.Close(fd);
            fd = -1;
        }
    }

    public override string ToString() => $"{Name} (fd {FileDescriptor})";

    /// <summary>Why the descriptor is not a listening unix stream socket, or null when it is.</summary>
    private static unsafe string? DescribeMismatch(int fd)
    {
        var listeningStream = Interop.SdIsSocketUnix(fd, Interop.SOCK_STREAM, 1, null, 0);
        if (listeningStream > 0)
        {
            return null;
        }

        if (listeningStream < 0)
        {
            return SystemdException.FromResult("sd_is_socket_unix", listeningStream, "cannot inspect it").Message;
        }

        // Ask the narrower questions only to say precisely what is wrong.
        if (Interop.SdIsSocketUnix(fd, 0, -1, null, 0) <= 0)
        {
            return "is not a unix (AF_UNIX) socket";
        }

        if (Interop.SdIsSocketUnix(fd, Interop.SOCK_STREAM, -1, null, 0) <= 0)
        {
            return "is a unix socket but not a stream (SOCK_STREAM) one; ListenDatagram= or ListenSequentialPacket= are not supported here";
        }

        return "is a unix stream socket that is not listening (Accept=yes passes connections, not the listener)";
    }
}
