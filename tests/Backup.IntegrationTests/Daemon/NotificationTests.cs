using System.Net;
using System.Text.Json.Nodes;
using Backup.IntegrationTests.Infrastructure;

namespace Backup.IntegrationTests.Daemon;

/// <summary>Webhooks against a listener on 127.0.0.1; mail through a stand-in sendmail that records what it is given.</summary>
public sealed class NotificationTests : IDisposable
{
    private readonly DaemonFixture _daemon = new();

    public void Dispose() => _daemon.Dispose();

    [RequiresToolFact("systemd-socket-activate")]
    public void Webhook_gets_start_success_and_fail_pings_and_a_failure_is_not_repeated()
    {
        using var listener = new HttpListener();
        var port = FreePort();
        listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        listener.Start();
        var received = new List<(string Path, string? ContentType, JsonObject Body)>();
        _ = Task.Run(async () =>
        {
            while (listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await listener.GetContextAsync();
                }
                catch (Exception)
                {
                    return;
                }

                using var reader = new StreamReader(context.Request.InputStream);
                var body = (JsonObject)JsonNode.Parse(await reader.ReadToEndAsync())!;
                lock (received)
                {
                    received.Add((context.Request.Url!.AbsolutePath, context.Request.ContentType, body));
                }

                context.Response.StatusCode = 200;
                context.Response.Close();
            }
        });

        File.WriteAllText(Path.Combine(_daemon.Source, "a.txt"), "hello");
        var hook = $"notify:\n  webhook: http://127.0.0.1:{port}/ping/3f1c";
        _daemon.WriteJob("home", hook);
        _daemon.WriteJob("gone", hook, repository: Path.Combine(_daemon.Root, "no-repo-here"));
        _daemon.Start();

        Assert.Equal("success", _daemon.CtlJson("run", "home", "--wait")["result"]!.GetValue<string>());
        WaitFor(() => received.Any(r => r.Path == "/ping/3f1c"));
        Assert.Contains(received, r => r.Path == "/ping/3f1c/start" && r.Body["job"]!.GetValue<string>() == "home");
        var success = received.First(r => r.Path == "/ping/3f1c");
        Assert.Equal("succeeded", success.Body["event"]!.GetValue<string>());
        Assert.NotNull(success.Body["details"]!["snapshot_id"]);
        Assert.Equal("application/json; charset=utf-8", success.ContentType);

        // A destination that is there but holds no repository: the run fails (a missing one would be waited for).
        Directory.CreateDirectory(Path.Combine(_daemon.Root, "no-repo-here"));
        File.WriteAllText(Path.Combine(_daemon.Root, "no-repo-here", "config"), "not a repository");
        Assert.Equal("failed", _daemon.CtlJson("run", "gone", "--wait")["result"]!.GetValue<string>());
        WaitFor(() => received.Any(r => r.Path == "/ping/3f1c/fail"));
        Assert.Equal("gone", received.Single(r => r.Path == "/ping/3f1c/fail").Body["job"]!.GetValue<string>());

        Assert.Equal("failed", _daemon.CtlJson("run", "gone", "--wait")["result"]!.GetValue<string>());
        Thread.Sleep(1000);
        Assert.Single(received, r => r.Path == "/ping/3f1c/fail");
    }

    [RequiresToolFact("systemd-socket-activate")]
    public void Mail_goes_through_sendmail_once_per_failure_and_again_when_recovered()
    {
        var mails = Path.Combine(_daemon.Root, "mails");
        var sendmail = Path.Combine(_daemon.BinDirectory, "sendmail");
        File.WriteAllText(sendmail, $"#!/bin/sh\necho \"ARGS: $*\" >> {mails}\ncat >> {mails}\necho '--- end' >> {mails}\n");
        File.SetUnixFileMode(sendmail, (UnixFileMode)0x1ED);

        var broken = Path.Combine(_daemon.Root, "broken-repo");
        Directory.CreateDirectory(broken);
        File.WriteAllText(Path.Combine(broken, "config"), "not a repository");
        _daemon.WriteJob("home", "notify:\n  email: root", repository: broken);
        _daemon.Start();

        Assert.Equal("failed", _daemon.CtlJson("run", "home", "--wait")["result"]!.GetValue<string>());
        WaitFor(() => File.Exists(mails) && File.ReadAllText(mails).Contains("--- end"));
        var first = File.ReadAllText(mails);
        Assert.Contains("ARGS: -t -oi", first);
        Assert.Contains("To: root", first);
        Assert.Contains("Subject: backup home on", first);
        Assert.Contains("FAILED", first);

        Assert.Equal("failed", _daemon.CtlJson("run", "home", "--wait")["result"]!.GetValue<string>());
        Thread.Sleep(1000);
        Assert.Equal(first, File.ReadAllText(mails));

        // Fix the job: the next success is announced as a recovery.
        _daemon.WriteJob("home", "notify:\n  email: root");
        Assert.Equal(0, _daemon.Ctl("reload").ExitCode);
        Assert.Equal("success", _daemon.CtlJson("run", "home", "--wait")["result"]!.GetValue<string>());
        WaitFor(() => File.ReadAllText(mails).Split("--- end").Length == 3);
        Assert.Contains("recovered", File.ReadAllText(mails).Split("--- end")[1]);
    }

    private static void WaitFor(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out waiting for the notification");
            Thread.Sleep(50);
        }
    }

    private static int FreePort()
    {
        var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
