using System.Diagnostics;
using System.Text;

namespace Backup.Daemon.Notifications;

/// <summary>
/// Mail through the local sendmail interface (`sendmail -t -oi`), which every MTA on Linux provides:
/// the message with its headers goes to standard input; recipients come from the To: header.
/// </summary>
public sealed class EmailChannel(string recipient, string sendmail = "sendmail") : INotificationChannel
{
    public string Name => "email";

    public bool Wants(NotificationKind kind) => kind is not (NotificationKind.Started or NotificationKind.Succeeded);

    public async Task SendAsync(Notification notification, CancellationToken cancellationToken)
    {
        var message = new StringBuilder()
            .Append("To: ").Append(Header(recipient)).Append('\n')
            .Append("From: backupd on ").Append(Header(Environment.MachineName)).Append(" <root>\n")
            .Append("Subject: ").Append(Header(notification.Subject)).Append('\n')
            .Append("Content-Type: text/plain; charset=utf-8\n")
            .Append("Auto-Submitted: auto-generated\n\n")
            .Append(notification.Body.Replace("\r", "")).Append('\n')
            .ToString();

        var info = new ProcessStartInfo(sendmail, ["-t", "-oi"])
        {
            RedirectStandardInput = true,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(info) ?? throw new IOException($"cannot start {sendmail}");
        await process.StandardInput.WriteAsync(message).ConfigureAwait(false);
        process.StandardInput.Close();
        var stderr = await process.StandardError.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
        await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            throw new IOException($"{sendmail} exited {process.ExitCode}: {stderr.Trim()}");
        }
    }

    /// <summary>Header values on one line: a newline in a job name or message must not add headers.</summary>
    private static string Header(string value) => value.Replace('\r', ' ').Replace('\n', ' ');
}
