using System.Text;
using System.Text.Json.Nodes;

namespace Backup.Daemon.Notifications;

/// <summary>
/// Pings in the style of healthchecks monitors: URL/start when a run starts, URL on success (and as
/// heartbeat), URL/fail on failure or when overdue. The body is the notification as JSON.
/// </summary>
public sealed class WebhookChannel(Uri url, HttpClient http) : INotificationChannel
{
    public string Name => "webhook";

    public bool Wants(NotificationKind kind) => true;

    public async Task SendAsync(Notification notification, CancellationToken cancellationToken)
    {
        var target = notification.Kind switch
        {
            NotificationKind.Started => Append(url, "start"),
            NotificationKind.Failed or NotificationKind.Overdue => Append(url, "fail"),
            _ => url,
        };
        var body = new JsonObject
        {
            ["job"] = notification.Job,
            ["event"] = notification.Kind.ToString().ToLowerInvariant(),
            ["subject"] = notification.Subject,
            ["message"] = notification.Body,
            ["host"] = Environment.MachineName,
            ["details"] = notification.Details.DeepClone(),
        };
        using var content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        using var response = await http.PostAsync(target, content, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new IOException($"webhook {target} answered {(int)response.StatusCode} {response.ReasonPhrase}");
        }
    }

    private static Uri Append(Uri baseUrl, string segment)
    {
        var builder = new UriBuilder(baseUrl);
        builder.Path = builder.Path.TrimEnd('/') + "/" + segment;
        return builder.Uri;
    }
}
