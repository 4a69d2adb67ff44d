using System.CommandLine;
using System.Text.Json.Nodes;
using Backup.Linux.Control;

namespace Backup.Cli;

/// <summary>Talking to backupd: where its socket is, and turning its errors into exit codes.</summary>
public static class DaemonAccess
{
    public static readonly Option<string?> Socket = new("--socket")
    {
        Description = "backupd's control socket (default: $BACKUP_SOCKET or /run/backup/backupd.sock)",
        HelpName = "PATH",
        Recursive = true,
    };

    public static string SocketPath(ParseResult parse) =>
        parse.GetValue(Socket) ?? Environment.GetEnvironmentVariable("BACKUP_SOCKET") ?? "/run/backup/backupd.sock";

    public static JsonNode? Call(ParseResult parse, string method, JsonObject? parameters, Action<JsonObject>? onEvent, CancellationToken cancellationToken) =>
        ControlClient.Call(SocketPath(parse), method, parameters, onEvent, cancellationToken);
}
