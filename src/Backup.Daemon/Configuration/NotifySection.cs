namespace Backup.Daemon.Configuration;

/// <summary>
/// The notify: section, in backup.yaml (defaults) or in a job file. It remembers which keys were
/// written at all, because in a job an explicitly empty value ("email:" or "email: ~") switches the
/// default off for that job, while a key left out keeps the default.
/// </summary>
internal sealed record NotifySection(
    bool EmailGiven,
    string? Email,
    bool WebhookGiven,
    string? Webhook,
    bool HeartbeatGiven,
    TimeSpan? Heartbeat)
{
    public static readonly string[] Keys = ["email", "webhook", "heartbeat"];

    public static NotifySection None { get; } = new(false, null, false, null, false, null);

    public NotifySettings ToSettings() => new() { Email = Email, Webhook = Webhook, Heartbeat = Heartbeat };

    /// <summary>These settings where given, the defaults for the rest.</summary>
    public NotifySettings Over(NotifySettings defaults) => new()
    {
        Email = EmailGiven ? Email : defaults.Email,
        Webhook = WebhookGiven ? Webhook : defaults.Webhook,
        Heartbeat = HeartbeatGiven ? Heartbeat : defaults.Heartbeat,
    };

    public static NotifySection Read(MappingReader parent, string where)
    {
        if (parent.Section("notify", "a mapping of email, webhook and heartbeat") is not { } notify)
        {
            return None;
        }

        notify.ReportUnknownKeys(Keys, $"'notify' in {where}", _ => null);
        var email = notify.Scalar("email", "one mail address or local user name");
        if (email is not null && !IsMailRecipient(email.Value))
        {
            notify.Problems.Add(email,
                "'notify.email' must be one mail address (admin@example.org) or local user name (root); " +
                "for several people, use a mail alias");
        }

        var webhook = notify.Scalar("webhook", "an http:// or https:// URL");
        if (webhook is not null && !IsHttpUrl(webhook.Value))
        {
            // The URL is not repeated: ping URLs carry a token that should not spread into logs.
            notify.Problems.Add(webhook, "'notify.webhook' must be an absolute http:// or https:// URL, e.g. https://hc-ping.com/UUID");
        }

        return new NotifySection(
            notify.Find("email") is not null,
            email?.Value,
            notify.Find("webhook") is not null,
            webhook?.Value,
            notify.Find("heartbeat") is not null,
            notify.Duration("heartbeat"));
    }

    /// <summary>
    /// One recipient for sendmail. A leading '-' would be taken as a sendmail option, and a space or
    /// comma would make several recipients out of one.
    /// </summary>
    internal static bool IsMailRecipient(string text)
    {
        if (text.Length == 0 || text[0] == '-' || text.Any(c => char.IsWhiteSpace(c) || char.IsControl(c) || c is ',' or ';' or '<' or '>' or '"' or '\'' or '(' or ')'))
        {
            return false;
        }

        var at = text.IndexOf('@', StringComparison.Ordinal);
        if (at < 0)
        {
            return true;
        }

        var domain = text[(at + 1)..];
        return at > 0 && domain.Length > 0 && !domain.Contains('@', StringComparison.Ordinal) && domain[0] != '.' && domain[^1] != '.';
    }

    internal static bool IsHttpUrl(string text) =>
        Uri.TryCreate(text, UriKind.Absolute, out var uri)
        && uri.Scheme is "http" or "https"
        && uri.Host.Length > 0
        && !text.Any(char.IsWhiteSpace);
}
