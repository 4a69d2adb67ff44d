using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Backup.Linux.Control;

/// <summary>
/// The control protocol between backupctl and backupd on a unix stream socket: one request per
/// connection, newline-delimited JSON. The client sends {"v":1,"method":…,"params":{…}}; the
/// server answers with zero or more {"v":1,"event":…,…} lines and one final line, either
/// {"v":1,"ok":true,"result":…} or {"v":1,"ok":false,"error":{"code":…,"message":…}}.
/// </summary>
public static class ControlProtocol
{
    public const int Version = 1;

    /// <summary>Longest line accepted: requests are tiny, and a peer must not make us buffer without bound.</summary>
    public const int MaxLineLength = 1 << 20;

    public static string DefaultSocketPath => Path.Combine(Environment.GetEnvironmentVariable("RUNTIME_DIRECTORY") ?? "/run/backup", "backupd.sock");

    public static JsonObject Request(string method, JsonObject? parameters) =>
        new() { ["v"] = Version, ["method"] = method, ["params"] = parameters ?? new JsonObject() };

    public static JsonObject Result(JsonNode? result) => new() { ["v"] = Version, ["ok"] = true, ["result"] = result };

    public static JsonObject Error(string code, string message) =>
        new() { ["v"] = Version, ["ok"] = false, ["error"] = new JsonObject { ["code"] = code, ["message"] = message } };

    public static JsonObject Event(string kind, JsonObject data)
    {
        var message = new JsonObject { ["v"] = Version, ["event"] = kind };
        foreach (var (key, value) in data.ToList())
        {
            data.Remove(key);
            message[key] = value;
        }

        return message;
    }

    /// <summary>A message as one line of the protocol: compact JSON in UTF-8, then a newline.</summary>
    public static byte[] Line(JsonNode node)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            node.WriteTo(writer);
        }

        buffer.Write("\n"u8);
        return buffer.WrittenSpan.ToArray();
    }
}

/// <summary>Error codes of the protocol; clients map them to exit codes and messages.</summary>
public static class ControlErrors
{
    public const string BadRequest = "bad_request";
    public const string UnsupportedVersion = "unsupported_version";
    public const string UnknownMethod = "unknown_method";
    public const string PermissionDenied = "permission_denied";
    public const string NoSuchJob = "no_such_job";
    public const string JobDisabled = "job_disabled";
    public const string Internal = "internal";
}

/// <summary>A request from a client, with the kernel-verified identity of that client.</summary>
public sealed record ControlRequest(string Method, JsonObject Parameters, PeerCredentials Peer);

/// <summary>Answers one request: events while working, then exactly one result or error.</summary>
public sealed class ControlResponder
{
    private readonly Stream _stream;
    private readonly SemaphoreSlim _gate = new(1, 1);

    internal ControlResponder(Stream stream)
    {
        _stream = stream;
    }

    public bool Finished { get; private set; }

    public Task EventAsync(string kind, JsonObject data, CancellationToken cancellationToken) =>
        WriteAsync(ControlProtocol.Event(kind, data), final: false, cancellationToken);

    public Task ResultAsync(JsonNode? result, CancellationToken cancellationToken) =>
        WriteAsync(ControlProtocol.Result(result), final: true, cancellationToken);

    public Task ErrorAsync(string code, string message, CancellationToken cancellationToken) =>
        WriteAsync(ControlProtocol.Error(code, message), final: true, cancellationToken);

    private async Task WriteAsync(JsonObject message, bool final, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (Finished)
            {
                throw new InvalidOperationException("the request was already answered");
            }

            await _stream.WriteAsync(ControlProtocol.Line(message)).ConfigureAwait(false);
            await _stream.FlushAsync(cancellationToken).ConfigureAwait(false);
            Finished = final;
        }
        finally
        {
            _gate.Release();
        }
    }
}

/// <summary>What the daemon does with requests.</summary>
public interface IControlHandler
{
    /// <summary>Methods that change something (run, cancel, reload): only root and the admin group may call them.</summary>
    bool IsMutating(string method);

    Task HandleAsync(ControlRequest request, ControlResponder responder, CancellationToken cancellationToken);
}
