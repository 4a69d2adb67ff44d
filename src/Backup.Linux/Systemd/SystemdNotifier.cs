using System.Text;

namespace Backup.Linux.Systemd;

/// <summary>
/// Tells the service manager about this service's state through sd_notify(3): Type=notify readiness,
/// a status line for <c>systemctl status</c>, shutdown, and watchdog keep-alives. Every call reads
/// $NOTIFY_SOCKET afresh; without it (not started by systemd, or NotifyAccess=none) nothing is sent and
/// the methods return false.
/// </summary>
public sealed class SystemdNotifier
{
    /// <summary>Sends READY=1: start-up is complete and the service may be depended on.</summary>
    public bool Ready() => Notify("READY=1");

    /// <summary>Sends STATUS=text, shown by <c>systemctl status</c>. Line breaks become spaces (see <see cref="StatusAssignment"/>).</summary>
    public bool Status(string text) => Notify(StatusAssignment(text));

    /// <summary>Sends STOPPING=1: shutdown has begun.</summary>
    public bool Stopping() => Notify("STOPPING=1");

    /// <summary>Sends WATCHDOG=1: the keep-alive a unit with WatchdogSec= expects at least every <see cref="WatchdogInterval"/>.</summary>
    public bool Watchdog() => Notify("WATCHDOG=1");

    /// <summary>
    /// The watchdog timeout the manager set for this process (WATCHDOG_USEC, and WATCHDOG_PID when present
    /// must be this process), or null when no watchdog is armed.
    /// </summary>
    /// <exception cref="InvalidOperationException">WATCHDOG_USEC or WATCHDOG_PID is malformed.</exception>
    public TimeSpan? WatchdogTimeout
    {
        get
        {
            ulong usec;
            int result;
            unsafe
            {
                result = Interop.SdWatchdogEnabled(0, &usec);
            }

            if (result < 0)
            {
                var error = SystemdException.FromResult("sd_watchdog_enabled", result, "could not read WATCHDOG_USEC/WATCHDOG_PID");
                throw new InvalidOperationException(error.Message, error);
            }

            return result == 0 ? null : TimeSpan.FromMicroseconds(usec);
        }
    }

    /// <summary>
    /// How often to send <see cref="Watchdog"/>: half the timeout, as sd_watchdog_enabled(3) recommends,
    /// so one late ping does not get the service killed. Null when no watchdog is armed.
    /// </summary>
    public TimeSpan? WatchdogInterval => WatchdogTimeout / 2;

    /// <summary>
    /// The STATUS= assignment for a text. The protocol separates assignments with newlines, so a line
    /// break in the text would start a new assignment ("…\nREADY=1"); CR, LF and NUL become spaces.
    /// </summary>
    internal static string StatusAssignment(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var builder = new StringBuilder("STATUS=", 7 + text.Length);
        foreach (var c in text)
        {
            builder.Append(c is '\n' or '\r' or '\0' ? ' ' : c);
        }

        return builder.ToString();
    }

    private static unsafe bool Notify(string state)
    {
        var bytes = new byte[Encoding.UTF8.GetByteCount(state) + 1];
        Encoding.UTF8.GetBytes(state, bytes);
        int result;
        fixed (byte* p = bytes)
        {
            result = Interop.SdNotify(0, p);
        }

        if (result < 0)
        {
            throw SystemdException.FromResult("sd_notify", result, $"could not send '{state}' to $NOTIFY_SOCKET");
        }

        return result > 0;
    }
}
