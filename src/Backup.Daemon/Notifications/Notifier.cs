using System.Text.Json.Nodes;
using Backup.Daemon.Configuration;
using Backup.Daemon.Scheduling;
using Backup.Daemon.State;

namespace Backup.Daemon.Notifications;

/// <summary>
/// Sends notifications to a job's channels. Failures and overdue backups are conditions: each is
/// sent once and not again until the condition changes; the next success is sent as "recovered".
/// Starts, successes and heartbeats go to the channels that want them every time (a monitor needs
/// every success ping). A channel that fails is logged, never fails the job.
/// </summary>
public sealed class Notifier
{
    private readonly IStateStore _state;
    private readonly IClock _clock;
    private readonly Func<JobDefinition, IReadOnlyList<INotificationChannel>> _channels;
    private readonly Action<string, Exception>? _onFailure;

    public Notifier(IStateStore state, IClock clock, Func<JobDefinition, IReadOnlyList<INotificationChannel>> channels, Action<string, Exception>? onFailure)
    {
        _state = state;
        _clock = clock;
        _channels = channels;
        _onFailure = onFailure;
    }

    /// <summary>The channels a job's notify settings ask for.</summary>
    public static IReadOnlyList<INotificationChannel> ChannelsFor(JobDefinition job, HttpClient http, string sendmail = "sendmail")
    {
        var channels = new List<INotificationChannel>();
        if (job.Notify.Email is { } email)
        {
            channels.Add(new EmailChannel(email, sendmail));
        }

        if (job.Notify.Webhook is { } webhook)
        {
            channels.Add(new WebhookChannel(new Uri(webhook), http));
        }

        return channels;
    }

    public async Task NotifyAsync(JobDefinition job, NotificationKind kind, string subject, string body, JsonObject details, CancellationToken cancellationToken)
    {
        foreach (var channel in _channels(job))
        {
            var condition = _state.NotifiedCondition(job.Name, channel.Name);
            var effective = kind;
            string? newCondition = condition;
            switch (kind)
            {
                case NotificationKind.Failed or NotificationKind.Overdue:
                    var name = kind.ToString().ToLowerInvariant();
                    if (condition == name)
                    {
                        continue;
                    }

                    newCondition = name;
                    break;
                case NotificationKind.Succeeded:
                    if (condition is not null)
                    {
                        effective = NotificationKind.Recovered;
                        newCondition = null;
                    }

                    break;
            }

            if (channel.Wants(effective))
            {
                try
                {
                    var text = effective == NotificationKind.Recovered ? $"{subject} (recovered after: {condition})" : subject;
                    await channel.SendAsync(new Notification(job.Name, effective, text, body, details), cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is IOException or HttpRequestException or TaskCanceledException or InvalidOperationException or System.ComponentModel.Win32Exception)
                {
                    // Not recorded as notified: the next occasion tries again.
                    _onFailure?.Invoke(channel.Name, e);
                    continue;
                }
            }

            if (newCondition != condition)
            {
                _state.SetNotifiedCondition(job.Name, channel.Name, newCondition, _clock.Now);
            }
        }
    }
}
