using System.Net.Sockets;
using System.Text;
using Backup.Linux.Systemd;
using Backup.Linux.Tests.Systemd;

/// <summary>
/// Runs this test assembly as the socket-activated program. A .NET startup hook (DOTNET_STARTUP_HOOKS)
/// is a type of exactly this name in the global namespace; `dotnet exec Backup.Linux.Tests.dll` with the
/// hook set runs <see cref="Initialize"/> before the (empty) generated Main, so the process that
/// systemd-socket-activate execs is real code of ours without a separate helper project.
/// </summary>
internal static class StartupHook
{
    public static void Initialize()
    {
        if (Environment.GetEnvironmentVariable(SocketActivationProbe.Variable) == "1")
        {
            Environment.Exit(SocketActivationProbe.Run());
        }
    }
}

namespace Backup.Linux.Tests.Systemd
{
    /// <summary>
    /// The activated side: takes the passed sockets, accepts one connection on the first and writes
    /// back what it saw, so the test checks everything through the connection that triggered it.
    /// </summary>
    internal static class SocketActivationProbe
    {
        public const string Variable = "BACKUP_TEST_SOCKET_ACTIVATION_PROBE";

        public static int Run()
        {
            try
            {
                var sockets = SocketActivation.Take();
                var report = new StringBuilder();
                report.Append("count=").Append(sockets.Count);
                foreach (var socket in sockets)
                {
                    report.Append(" socket=").Append(socket.Name).Append(':').Append(socket.FileDescriptor);
                }

                report.Append(" native=").Append(NativeEnvironment.Get("LISTEN_FDS") ?? "unset");
                report.Append(" managed=").Append(Environment.GetEnvironmentVariable("LISTEN_FDS") ?? "unset");
                report.Append(" again=").Append(SocketActivation.Take().Count);

                using var listener = sockets[0].ToUnixListener();
                report.Append(" listening=").Append(listener.IsBound);
                using var connection = listener.Accept();
                report.Append('\n');
                connection.Send(Encoding.UTF8.GetBytes(report.ToString()));
                connection.Shutdown(SocketShutdown.Both);
                return 0;
            }
            catch (Exception e)
            {
                Console.Error.WriteLine(e);
                return 1;
            }
        }
    }
}
