using System.Globalization;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Backup.Linux.Systemd;
using Backup.Linux.Tests.Infrastructure;

namespace Backup.Linux.Tests.Systemd;

/// <summary>Socket activation inside the test process: the variables' edge cases and the socket checks.</summary>
[Collection(ProcessStateCollection.Name)]
public sealed partial class SocketActivationTests
{
    private static readonly string Self = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);

    [Fact]
    public void Without_LISTEN_FDS_nothing_was_passed()
    {
        using var none = NativeEnvironment.Set(("LISTEN_FDS", null), ("LISTEN_PID", null), ("LISTEN_FDNAMES", null));

        Assert.Empty(SocketActivation.Take());
    }

    [Fact]
    public void Sockets_passed_to_another_process_are_not_taken_and_the_variables_are_removed_anyway()
    {
        using var foreign = NativeEnvironment.Set(("LISTEN_FDS", "1"), ("LISTEN_PID", "1"), ("LISTEN_FDNAMES", "control"));

        Assert.Empty(SocketActivation.Take());

        Assert.Null(NativeEnvironment.Get("LISTEN_FDS"));
        Assert.Null(NativeEnvironment.Get("LISTEN_PID"));
        Assert.Null(NativeEnvironment.Get("LISTEN_FDNAMES"));
        Assert.Null(Environment.GetEnvironmentVariable("LISTEN_FDS"));
        Assert.Null(Environment.GetEnvironmentVariable("LISTEN_PID"));
        Assert.Null(Environment.GetEnvironmentVariable("LISTEN_FDNAMES"));
    }

    [Fact]
    public void A_malformed_LISTEN_FDS_is_reported()
    {
        using var broken = NativeEnvironment.Set(("LISTEN_FDS", "three"), ("LISTEN_PID", Self), ("LISTEN_FDNAMES", null));

        var error = Assert.Throws<SystemdException>(() => SocketActivation.Take());

        Assert.Equal("sd_listen_fds_with_names", error.Call);
        Assert.Contains("LISTEN_FDS", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_listening_unix_stream_socket_becomes_a_Socket_that_accepts()
    {
        using var directory = new TemporaryDirectory();
        var path = directory["listener"];
        using var original = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        original.Bind(new UnixDomainSocketEndPoint(path));
        original.Listen();
        using var activated = new ActivatedSocket(Dup(original), "control");

        using var listener = activated.ToUnixListener();
        using var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        client.Connect(new UnixDomainSocketEndPoint(path));
        using var accepted = listener.Accept();
        client.Send("ping"u8);
        var buffer = new byte[4];

        Assert.Equal(4, accepted.Receive(buffer));
        Assert.Equal("ping"u8.ToArray(), buffer);
        Assert.Equal(AddressFamily.Unix, listener.AddressFamily);
        Assert.Equal(SocketType.Stream, listener.SocketType);
        Assert.Throws<ObjectDisposedException>(() => activated.ToUnixListener());
    }

    [Fact]
    public void A_unix_datagram_socket_is_refused_with_what_it_is()
    {
        using var directory = new TemporaryDirectory();
        using var datagram = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        datagram.Bind(new UnixDomainSocketEndPoint(directory["datagram"]));

        var message = RefusalOf(Dup(datagram));

        Assert.Contains("not a stream (SOCK_STREAM)", message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_unix_stream_socket_that_does_not_listen_is_refused()
    {
        using var directory = new TemporaryDirectory();
        using var bound = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        bound.Bind(new UnixDomainSocketEndPoint(directory["bound"]));

        var message = RefusalOf(Dup(bound));

        Assert.Contains("not listening", message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_tcp_socket_is_refused_as_not_unix()
    {
        using var tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        tcp.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        tcp.Listen();

        var message = RefusalOf(Dup(tcp));

        Assert.Contains("is not a unix (AF_UNIX) socket", message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_regular_file_is_refused_as_not_unix()
    {
        using var directory = new TemporaryDirectory();
        File.WriteAllText(directory["file"], "x");
        using var file = File.OpenHandle(directory["file"]);

        var message = RefusalOf(DupDescriptor((int)file.DangerousGetHandle()));

        Assert.Contains("is not a unix (AF_UNIX) socket", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Disposing_an_unused_activated_socket_closes_its_descriptor()
    {
        using var datagram = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        var fd = Dup(datagram);
        var activated = new ActivatedSocket(fd, "unused");

        activated.Dispose();

        Assert.Equal(-1, Fcntl(fd, FcntlGetFd, 0));
        Assert.Equal(EBADF, Marshal.GetLastPInvokeError());
    }

    /// <summary>The refusal message for a descriptor; the descriptor is closed afterwards either way.</summary>
    private static string RefusalOf(int fd)
    {
        using var activated = new ActivatedSocket(fd, "control");
        var error = Assert.Throws<InvalidOperationException>(() => activated.ToUnixListener());
        Assert.Contains($"descriptor {fd} named 'control'", error.Message, StringComparison.Ordinal);
        return error.Message;
    }

    /// <summary>A descriptor of our own for the socket, so the ActivatedSocket can own (and close) it.</summary>
    private static int Dup(Socket socket) => DupDescriptor((int)socket.Handle);

    private static int DupDescriptor(int fd)
    {
        var copy = Fcntl(fd, FcntlDupFdCloexec, 0);
        Assert.True(copy >= 0, $"fcntl(F_DUPFD_CLOEXEC) failed: errno {Marshal.GetLastPInvokeError()}");
        return copy;
    }

    private const int FcntlGetFd = 1;
    private const int FcntlDupFdCloexec = 1030;
    private const int EBADF = 9;

    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    private static partial int Fcntl(int fd, int command, int argument);
}
