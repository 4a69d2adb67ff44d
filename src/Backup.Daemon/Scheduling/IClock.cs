namespace Backup.Daemon.Scheduling;

/// <summary>The time, injectable so tests can move it.</summary>
public interface IClock
{
    DateTimeOffset Now { get; }

    /// <summary>Waits until <paramref name="until"/> by this clock (or cancellation).</summary>
    Task DelayUntilAsync(DateTimeOffset until, CancellationToken cancellationToken);
}

public sealed class SystemClock : IClock
{
    public static SystemClock Instance { get; } = new();

    public DateTimeOffset Now => DateTimeOffset.Now;

    public async Task DelayUntilAsync(DateTimeOffset until, CancellationToken cancellationToken)
    {
        // Re-check in bounded steps: the wall clock can jump (suspend, NTP), a single long delay cannot see that.
        while (true)
        {
            var remaining = until - DateTimeOffset.Now;
            if (remaining <= TimeSpan.Zero)
            {
                return;
            }

            await Task.Delay(remaining < TimeSpan.FromMinutes(1) ? remaining : TimeSpan.FromMinutes(1), cancellationToken).ConfigureAwait(false);
        }
    }
}
