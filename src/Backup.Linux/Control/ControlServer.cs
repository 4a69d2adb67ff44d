using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Backup.Linux.Control;

/// <summary>
/// Accepts connections on the control socket and hands each request to the handler. Access is
/// decided from SO_PEERCRED: anyone who can connect may read, only root and members of the admin
/// group may run, cancel or reload.
/// </summary>
public sealed class ControlServer
{
    private readonly Socket _listener;
    private readonly IControlHandler _handler;
    private readonly uint? _adminGroup;
    private readonly Action<string>? _log;

    public ControlServer(Socket listener, IControlHandler handler, uint? adminGroup, Action<string>? log = null)
    {
        _listener = listener;
        _handler = handler;
        _adminGroup = adminGroup;
        _log = log;
    }

    /// <summary>Binds the socket ourselves when not socket-activated: 0660, owned by root and the admin group.</summary>
    public static Socket Bind(string path, uint? adminGroup)
    {
        var directory = Path.GetDirectoryName(path)!;
        Directory.CreateDirectory(directory);
        if (File.Exists(path))
        {
            // A socket file left by a previous instance: connecting tells whether someone still serves it.
            using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            try
            {
                probe.Connect(new UnixDomainSocketEndPoint(path));
                throw new IOException($"{path}: another backupd is already listening there");
            }
            catch (SocketException)
            {
                File.Delete(path);
            }
        }

        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(path));
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite);
        if (adminGroup is { } gid && Environment.UserName == "root")
        {
            new FileSystem.LinuxFileSystem().SetOwner(path, 0, gid);
        }

        socket.Listen(64);
        return socket;
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var connections = new List<Task>();
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                Socket client;
                try
                {
                    client = await _listener.AcceptAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }

                connections.RemoveAll(t => t.IsCompleted);
                connections.Add(Task.Run(() => ServeAsync(client, cancellationToken), CancellationToken.None));
            }
        }
        finally
        {
            await Task.WhenAll(connections).ConfigureAwait(false);
        }
    }

    private async Task ServeAsync(Socket client, CancellationToken cancellationToken)
    {
        using var _ = client;
        await using var stream = new NetworkStream(client, ownsSocket: false);
        var responder = new ControlResponder(stream);
        try
        {
            var peer = PeerCredentials.Of(client);
            var line = await ReadLineAsync(stream, cancellationToken).ConfigureAwait(false);
            if (line is null)
            {
                return;
            }

            if (!TryParse(line, out var method, out var parameters, out var problem))
            {
                await responder.ErrorAsync(problem.Code, problem.Message, cancellationToken).ConfigureAwait(false);
                return;
            }

            if (_handler.IsMutating(method) && !peer.IsRootOrInGroup(_adminGroup))
            {
                _log?.Invoke($"refused \"{method}\" from uid {peer.Uid} (pid {peer.Pid}): not root and not in the admin group");
                await responder.ErrorAsync(ControlErrors.PermissionDenied, $"\"{method}\" needs root or membership in group \"backup\" (you are uid {peer.Uid})", cancellationToken).ConfigureAwait(false);
                return;
            }

            await _handler.HandleAsync(new ControlRequest(method, parameters, peer), responder, cancellationToken).ConfigureAwait(false);
            if (!responder.Finished)
            {
                await responder.ErrorAsync(ControlErrors.Internal, $"\"{method}\" ended without an answer", cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            // The client went away; nothing to answer.
        }
        catch (OperationCanceledException)
        {
            if (!responder.Finished)
            {
                await TryErrorAsync(responder, "the daemon is stopping").ConfigureAwait(false);
            }
        }
        catch (Exception e)
        {
            _log?.Invoke($"control request failed: {e}");
            if (!responder.Finished)
            {
                await TryErrorAsync(responder, e.Message).ConfigureAwait(false);
            }
        }
    }

    private static async Task TryErrorAsync(ControlResponder responder, string message)
    {
        try
        {
            await responder.ErrorAsync(ControlErrors.Internal, message, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
        }
    }

    private static bool TryParse(string line, out string method, out JsonObject parameters, out (string Code, string Message) problem)
    {
        method = "";
        parameters = new JsonObject();
        problem = default;
        JsonObject? request;
        try
        {
            request = JsonNode.Parse(line) as JsonObject;
        }
        catch (JsonException e)
        {
            problem = (ControlErrors.BadRequest, $"the request is not JSON: {e.Message}");
            return false;
        }

        if (request is null || request["method"] is not JsonValue m || m.GetValueKind() != JsonValueKind.String)
        {
            problem = (ControlErrors.BadRequest, "the request must be a JSON object with a \"method\"");
            return false;
        }

        if (request["v"] is not JsonValue v || !v.TryGetValue<int>(out var version) || version != ControlProtocol.Version)
        {
            problem = (ControlErrors.UnsupportedVersion, $"protocol version {request["v"]?.ToJsonString() ?? "(missing)"} is not supported; this backupd speaks version {ControlProtocol.Version}: use the backupctl that came with it");
            return false;
        }

        method = m.GetValue<string>();
        parameters = request["params"] as JsonObject ?? new JsonObject();
        return true;
    }

    internal static async Task<string?> ReadLineAsync(Stream stream, CancellationToken cancellationToken)
    {
        var buffer = new MemoryStream();
        var one = new byte[4096];
        while (true)
        {
            var n = await stream.ReadAsync(one, cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                return buffer.Length == 0 ? null : Encoding.UTF8.GetString(buffer.ToArray());
            }

            var newline = Array.IndexOf(one, (byte)'\n', 0, n);
            buffer.Write(one, 0, newline >= 0 ? newline : n);
            if (buffer.Length > ControlProtocol.MaxLineLength)
            {
                throw new IOException("request line too long");
            }

            if (newline >= 0)
            {
                return Encoding.UTF8.GetString(buffer.ToArray());
            }
        }
    }
}
