using System.Net.Sockets;
using System.Text;
using Backup.Linux.Tests.Infrastructure;

namespace Backup.Linux.Tests.Systemd;

/// <summary>
/// Plays the service manager's side of sd_notify(3): a unix datagram socket in a temporary directory,
/// named by $NOTIFY_SOCKET while the instance lives.
/// </summary>
internal sealed class NotifySocket : IDisposable
{
    private readonly TemporaryDirectory directory = new();
    private readonly Socket socket = new(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
    private readonly IDisposable environment;

    public NotifySocket()
    {
        Path = directory["notify"];
        socket.Bind(new UnixDomainSocketEndPoint(Path));
        socket.ReceiveTimeout = 10_000;
        environment = NativeEnvironment.Set(("NOTIFY_SOCKET", Path));
    }

    public string Path { get; }

    /// <summary>The next datagram's payload; fails the test when none arrives within 10 seconds.</summary>
    public string Receive()
    {
        var buffer = new byte[4096];
        var length = socket.Receive(buffer);
        return Encoding.UTF8.GetString(buffer, 0, length);
    }

    /// <summary>Whether any datagram is waiting.</summary>
    public bool HasPending => socket.Available > 0 || socket.Poll(100_000, SelectMode.SelectRead);

    public void Dispose()
    {
        environment.Dispose();
        socket.Dispose();
        directory.Dispose();
    }
}
