using System.Diagnostics;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using Backup.Linux.Tests.Infrastructure;

namespace Backup.Linux.Tests.Systemd;

/// <summary>
/// Real socket activation: systemd-socket-activate listens on a path and, on the first connection,
/// execs a program with LISTEN_FDS/LISTEN_PID/LISTEN_FDNAMES set — exactly what systemd does for a
/// .socket unit. The program is this test assembly run through a startup hook (see SocketActivationProbe).
/// </summary>
public sealed class SocketActivationActivateTests
{
    [RequiresToolFact("systemd-socket-activate")]
    public void The_activated_process_gets_the_named_listener_and_accepts_the_connection_that_started_it()
    {
        using var directory = new TemporaryDirectory();
        var path = directory["control.sock"];
        var activator = Tools.Find("systemd-socket-activate") ?? throw new InvalidOperationException("systemd-socket-activate is not installed (package systemd)");
        var info = new ProcessStartInfo(activator)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
        {
            "-l", path, "--fdname=control",
            "-E", $"{SocketActivationProbe.Variable}=1",
            "-E", $"DOTNET_STARTUP_HOOKS={typeof(SocketActivationProbe).Assembly.Location}",
            "--", DotnetHost(), "exec", typeof(SocketActivationProbe).Assembly.Location,
        })
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException("cannot start systemd-socket-activate");
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();
        try
        {
            WaitFor(() => File.Exists(path) || process.HasExited, TimeSpan.FromSeconds(30));
            if (process.HasExited)
            {
                // Only now is stderr complete; reading it earlier would wait for the exit.
                Assert.Fail($"systemd-socket-activate exited {process.ExitCode} before listening: {stderr.Result}");
            }

            using var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            client.ReceiveTimeout = 60_000;
            client.Connect(new UnixDomainSocketEndPoint(path));
            var report = ReadAll(client);

            Assert.True(process.WaitForExit(60_000), $"the activated program did not exit; it sent '{report}'");
            if (process.ExitCode != 0)
            {
                Assert.Fail($"the activated program failed ({process.ExitCode}): {stderr.Result}{stdout.Result}");
            }

            Assert.Equal("count=1 socket=control:3 native=unset managed=unset again=0 listening=True\n", report);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
                process.WaitForExit();
            }
        }
    }

    /// <summary>The dotnet host that runs this test: the runtime directory is DOTNET_ROOT/shared/Microsoft.NETCore.App/VERSION/.</summary>
    private static string DotnetHost()
    {
        var runtime = RuntimeEnvironment.GetRuntimeDirectory().TrimEnd('/');
        var root = Path.GetFullPath(Path.Combine(runtime, "..", "..", ".."));
        var host = Path.Combine(root, "dotnet");
        return File.Exists(host) ? host : throw new InvalidOperationException($"no dotnet host at {host}");
    }

    private static string ReadAll(Socket socket)
    {
        var received = new MemoryStream();
        var buffer = new byte[1024];
        int length;
        while ((length = socket.Receive(buffer)) > 0)
        {
            received.Write(buffer, 0, length);
        }

        return Encoding.UTF8.GetString(received.ToArray());
    }

    private static void WaitFor(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition())
        {
            if (deadline.Elapsed > timeout)
            {
                throw new TimeoutException($"gave up waiting after {timeout}");
            }

            Thread.Sleep(20);
        }
    }
}
