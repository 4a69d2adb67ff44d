using System.Diagnostics;
using System.Text.Json.Nodes;
using Backup.Linux.Control;

namespace Backup.Linux.Tests.Control;

/// <summary>The control server on a real unix socket, with a client that really is another user.</summary>
public sealed class ControlServerTests : IAsyncLifetime
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "control-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly CancellationTokenSource _stop = new();
    private readonly EchoHandler _handler = new();
    private Task? _server;

    private string SocketPath => Path.Combine(_dir, "backupd.sock");

    public Task InitializeAsync()
    {
        var listener = ControlServer.Bind(SocketPath, adminGroup: 4242);
        _server = new ControlServer(listener, _handler, adminGroup: 4242).RunAsync(_stop.Token);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        _stop.Cancel();
        await _server!;
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task A_request_gets_its_events_and_then_its_result()
    {
        var events = new List<JsonObject>();
        var result = await Task.Run(() => ControlClient.Call(SocketPath, "run", new JsonObject { ["job"] = "home" }, events.Add, CancellationToken.None));

        Assert.Equal("home", result!["job"]!.GetValue<string>());
        Assert.Equal(0u, result["uid"]!.GetValue<uint>());
        Assert.Equal(3, events.Count);
        Assert.All(events, e => Assert.Equal("progress", e["event"]!.GetValue<string>()));
        Assert.Equal(2, events[2]["step"]!.GetValue<int>());
    }

    [Fact]
    public async Task An_error_answer_becomes_a_control_exception_with_its_code()
    {
        var error = await Assert.ThrowsAsync<ControlException>(() => Task.Run(() => ControlClient.Call(SocketPath, "status", new JsonObject { ["job"] = "missing" }, null, CancellationToken.None)));
        Assert.Equal(ControlErrors.NoSuchJob, error.Code);
        Assert.Contains("missing", error.Message);
    }

    [Fact]
    public void The_socket_is_0660_and_a_second_bind_is_refused_while_the_first_serves()
    {
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite, File.GetUnixFileMode(SocketPath));
        var error = Assert.Throws<IOException>(() => ControlServer.Bind(SocketPath, null));
        Assert.Contains("already listening", error.Message);
    }

    [Fact]
    public async Task Answers_longer_than_the_read_buffer_arrive_whole_after_many_events()
    {
        // 40 events of 1-40 KB, then a 300 KB result: lines straddle reads, fill and outgrow the buffer.
        var events = new List<JsonObject>();
        var result = await Task.Run(() => ControlClient.Call(SocketPath, "big", null, events.Add, CancellationToken.None));

        Assert.Equal(40, events.Count);
        for (var i = 0; i < events.Count; i++)
        {
            Assert.Equal(new string((char)('a' + (i % 26)), (i + 1) * 1000), events[i]["text"]!.GetValue<string>());
        }

        Assert.Equal(new string('z', 300_000), result!["text"]!.GetValue<string>());
    }

    [Fact]
    public async Task Cancelling_a_call_that_waits_for_its_answer_throws_at_once()
    {
        using var cancel = new CancellationTokenSource();
        var call = Task.Run(() => ControlClient.Call(SocketPath, "hang", null, null, cancel.Token));
        await _handler.Hanging.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.False(call.IsCompleted);

        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task A_wrong_protocol_version_is_refused_with_a_clear_message()
    {
        var answer = await RawAsync("{\"v\":99,\"method\":\"jobs\"}\n", asNobody: false);
        Assert.Contains("unsupported_version", answer);
        Assert.Contains("version 1", answer);
    }

    [Fact]
    public async Task Another_user_may_read_but_may_not_run()
    {
        // Open the socket to everyone for this test only, so the kernel lets nobody connect and SO_PEERCRED decides.
        File.SetUnixFileMode(SocketPath, (UnixFileMode)0x1B6);
        File.SetUnixFileMode(_dir, (UnixFileMode)0x1ED);

        var read = await RawAsync("{\"v\":1,\"method\":\"jobs\"}\n", asNobody: true);
        Assert.Contains("\"ok\":true", read);
        Assert.Contains("\"uid\":65534", read);

        var run = await RawAsync("{\"v\":1,\"method\":\"run\",\"params\":{\"job\":\"home\"}}\n", asNobody: true);
        Assert.Contains("permission_denied", run);
        Assert.DoesNotContain("progress", run);
        Assert.Equal(0, _handler.RunsFromOthers);
    }

    /// <summary>Sends a raw line through python3, optionally as user nobody, and returns everything answered.</summary>
    private async Task<string> RawAsync(string line, bool asNobody)
    {
        var script = "import socket,sys\ns=socket.socket(socket.AF_UNIX)\ns.connect(sys.argv[1])\ns.sendall(sys.argv[2].encode())\nout=b''\nwhile True:\n  d=s.recv(65536)\n  if not d: break\n  out+=d\nsys.stdout.write(out.decode())\n";
        var args = asNobody
            ? new[] { "--reuid=nobody", "--regid=nogroup", "--clear-groups", "/usr/bin/python3", "-c", script, SocketPath, line }
            : new[] { "-c", script, SocketPath, line };
        var info = new ProcessStartInfo(asNobody ? "setpriv" : "/usr/bin/python3", args) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(info)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, error);
        return output;
    }

    private sealed class EchoHandler : IControlHandler
    {
        public int RunsFromOthers;

        public TaskCompletionSource Hanging { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool IsMutating(string method) => method == "run";

        public async Task HandleAsync(ControlRequest request, ControlResponder responder, CancellationToken cancellationToken)
        {
            switch (request.Method)
            {
                case "run":
                    if (request.Peer.Uid != 0)
                    {
                        Interlocked.Increment(ref RunsFromOthers);
                    }

                    for (var i = 0; i < 3; i++)
                    {
                        await responder.EventAsync("progress", new JsonObject { ["step"] = i }, cancellationToken);
                    }

                    await responder.ResultAsync(new JsonObject { ["job"] = request.Parameters["job"]!.GetValue<string>(), ["uid"] = request.Peer.Uid }, cancellationToken);
                    break;
                case "big":
                    for (var i = 0; i < 40; i++)
                    {
                        await responder.EventAsync("progress", new JsonObject { ["text"] = new string((char)('a' + (i % 26)), (i + 1) * 1000) }, cancellationToken);
                    }

                    await responder.ResultAsync(new JsonObject { ["text"] = new string('z', 300_000) }, cancellationToken);
                    break;
                case "hang":
                    Hanging.TrySetResult();
                    await Task.Delay(Timeout.Infinite, cancellationToken);
                    break;
                case "status":
                    await responder.ErrorAsync(ControlErrors.NoSuchJob, $"no job named \"{request.Parameters["job"]}\"", cancellationToken);
                    break;
                default:
                    await responder.ResultAsync(new JsonObject { ["uid"] = request.Peer.Uid }, cancellationToken);
                    break;
            }
        }
    }
}
