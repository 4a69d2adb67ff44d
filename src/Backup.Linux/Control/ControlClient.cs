using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;

namespace Backup.Linux.Control;

/// <summary>The client side: sends one request and reads events until the final answer.</summary>
public static class ControlClient
{
    /// <summary>
    /// Sends a request; <paramref name="onEvent"/> sees each event; returns the result, or throws
    /// <see cref="ControlException"/> with the server's error code and message.
    /// </summary>
    public static async Task<JsonNode?> CallAsync(string socketPath, string method, JsonObject? parameters, Action<JsonObject>? onEvent, CancellationToken cancellationToken)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken).ConfigureAwait(false);
        }
        catch (SocketException e)
        {
            var hint = e.SocketErrorCode switch
            {
                SocketError.AccessDenied => "you need to be root or in group \"backup\"",
                SocketError.AddressNotAvailable or SocketError.ConnectionRefused => "is backupd running? start it with 'systemctl start backupd.socket'",
                _ => "is backupd running? start it with 'systemctl start backupd.socket'",
            };
            throw new ControlException("unreachable", $"cannot connect to backupd at {socketPath}: {e.Message}; {hint}");
        }

        await using var stream = new NetworkStream(socket, ownsSocket: false);
        var request = Encoding.UTF8.GetBytes(ControlProtocol.Serialize(ControlProtocol.Request(method, parameters)) + "\n");
        await stream.WriteAsync(request, cancellationToken).ConfigureAwait(false);
        var reader = new StreamReader(stream, Encoding.UTF8);
        while (true)
        {
            var line = await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false)
                ?? throw new ControlException("disconnected", "backupd closed the connection without an answer (it may have stopped; see 'journalctl -u backupd')");
            if (JsonNode.Parse(line) is not JsonObject message)
            {
                throw new ControlException("bad_answer", $"backupd sent something that is not a JSON object: {line}");
            }

            if (message.ContainsKey("event"))
            {
                onEvent?.Invoke(message);
                continue;
            }

            if (message["ok"]?.GetValue<bool>() == true)
            {
                return message["result"];
            }

            var error = message["error"] as JsonObject;
            throw new ControlException(error?["code"]?.GetValue<string>() ?? "error", error?["message"]?.GetValue<string>() ?? line);
        }
    }
}

public sealed class ControlException(string code, string message) : Exception(message)
{
    public string Code { get; } = code;
}
