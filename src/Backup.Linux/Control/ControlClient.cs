using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;

namespace Backup.Linux.Control;

/// <summary>The client side: sends one request and reads events until the final answer.</summary>
/// <remarks>
/// Blocking socket calls on the caller's thread: a command-line client makes one call at a time,
/// and the asynchronous socket machinery (its event thread, the thread pool) cost backupctl a
/// noticeable part of a short command's start-up.
/// </remarks>
public static class ControlClient
{
    /// <summary>
    /// Sends a request; <paramref name="onEvent"/> sees each event; returns the result, or throws
    /// <see cref="ControlException"/> with the server's error code and message. Cancelling
    /// <paramref name="cancellationToken"/> closes the connection and throws
    /// <see cref="OperationCanceledException"/>.
    /// </summary>
    public static JsonNode? Call(string socketPath, string method, JsonObject? parameters, Action<JsonObject>? onEvent, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Connect(new UnixDomainSocketEndPoint(socketPath));
        }
        catch (SocketException e)
        {
            var hint = e.SocketErrorCode == SocketError.AccessDenied
                ? "you need to be root or in group \"backup\""
                : "is backupd running? start it with 'systemctl start backupd.socket'";
            throw new ControlException("unreachable", $"cannot connect to backupd at {socketPath}: {e.Message}; {hint}");
        }

        // Shutting the socket down wakes a blocked Receive, which then returns 0.
        using var cancel = cancellationToken.Register(() => socket.Shutdown(SocketShutdown.Both));
        try
        {
            socket.Send(ControlProtocol.Line(ControlProtocol.Request(method, parameters)));
            var lines = new LineReader(socket);
            while (lines.Next() is { } line)
            {
                if (JsonNode.Parse(line.Span) is not JsonObject message)
                {
                    throw new ControlException("bad_answer", $"backupd sent something that is not a JSON object: {Encoding.UTF8.GetString(line.Span)}");
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
                throw new ControlException(error?["code"]?.GetValue<string>() ?? "error", error?["message"]?.GetValue<string>() ?? Encoding.UTF8.GetString(line.Span));
            }
        }
        catch (SocketException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ControlException("disconnected", $"the connection to backupd at {socketPath} failed: {e.Message}");
        }

        cancellationToken.ThrowIfCancellationRequested();
        throw new ControlException("disconnected", "backupd closed the connection without an answer (it may have stopped; see 'journalctl -u backupd')");
    }

    /// <summary>Newline-delimited messages from a stream socket.</summary>
    private sealed class LineReader(Socket socket)
    {
        private byte[] _buffer = new byte[16 * 1024];
        private int _start;
        private int _end;

        /// <summary>The next line without its newline, or null once the peer has closed the connection.</summary>
        public ReadOnlyMemory<byte>? Next()
        {
            while (true)
            {
                var newline = _buffer.AsSpan(_start, _end - _start).IndexOf((byte)'\n');
                if (newline >= 0)
                {
                    var line = _buffer.AsMemory(_start, newline);
                    _start += newline + 1;
                    return line;
                }

                if (_start > 0)
                {
                    _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
                    _end -= _start;
                    _start = 0;
                }
                else if (_end == _buffer.Length)
                {
                    Array.Resize(ref _buffer, _buffer.Length * 2);
                }

                var received = socket.Receive(_buffer, _end, _buffer.Length - _end, SocketFlags.None);
                if (received == 0)
                {
                    return null;
                }

                _end += received;
            }
        }
    }
}

public sealed class ControlException(string code, string message) : Exception(message)
{
    public string Code { get; } = code;
}
