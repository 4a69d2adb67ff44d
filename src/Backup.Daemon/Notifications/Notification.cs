using System.Text.Json.Nodes;

namespace Backup.Daemon.Notifications;

public enum NotificationKind
{
    /// <summary>A run started (webhooks only: monitors measure run time from it).</summary>
    Started,
    Succeeded,
    Failed,
    Overdue,

    /// <summary>A success after a failure or an overdue notice.</summary>
    Recovered,

    /// <summary>The periodic "all is well".</summary>
    Heartbeat,
}

public sealed record Notification(string Job, NotificationKind Kind, string Subject, string Body, JsonObject Details);

/// <summary>A way to tell a person or a monitor about a job.</summary>
public interface INotificationChannel
{
    /// <summary>"email" or "webhook": the key under which repeat suppression is stored.</summary>
    string Name { get; }

    /// <summary>Whether this channel sends this kind at all (mail does not announce starts and plain successes).</summary>
    bool Wants(NotificationKind kind);

    Task SendAsync(Notification notification, CancellationToken cancellationToken);
}
