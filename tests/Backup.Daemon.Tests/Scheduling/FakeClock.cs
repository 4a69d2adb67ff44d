using Backup.Daemon.Scheduling;

namespace Backup.Daemon.Tests.Scheduling;

/// <summary>
/// A clock that moves only when the test says so. Waiters are completed synchronously on the thread that
/// advances the clock, in deadline order, each seeing <see cref="Now"/> at its own deadline: when
/// <see cref="AdvanceTo"/> returns, every task that was waiting for that stretch of time has run up to its next wait.
/// </summary>
internal sealed class FakeClock(DateTimeOffset start) : IClock
{
    private readonly Lock _lock = new();
    private readonly List<Waiter> _waiters = [];
    private DateTimeOffset _now = start;
    private long _sequence;

    /// <summary>Setting jumps the clock (a resume from suspend): due waiters all wake at the new time.</summary>
    public DateTimeOffset Now
    {
        get
        {
            lock (_lock)
            {
                return _now;
            }
        }

        set
        {
            lock (_lock)
            {
                _now = value;
            }

            WakeDue(value, stepping: false);
        }
    }

    public int WaiterCount
    {
        get
        {
            lock (_lock)
            {
                return _waiters.Count;
            }
        }
    }

    /// <summary>The earliest time someone waits for, if any.</summary>
    public DateTimeOffset? NextDeadline
    {
        get
        {
            lock (_lock)
            {
                return _waiters.Count == 0 ? null : _waiters.Min(w => w.Until);
            }
        }
    }

    public Task DelayUntilAsync(DateTimeOffset until, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled(cancellationToken);
        }

        Waiter waiter;
        lock (_lock)
        {
            if (until <= _now)
            {
                return Task.CompletedTask;
            }

            // Synchronous continuations on purpose: see the class comment.
            waiter = new Waiter(until, ++_sequence, new TaskCompletionSource());
            _waiters.Add(waiter);
        }

        waiter.Registration = cancellationToken.Register(() =>
        {
            lock (_lock)
            {
                _waiters.Remove(waiter);
            }

            waiter.Completion.TrySetCanceled(cancellationToken);
        });
        return waiter.Completion.Task;
    }

    /// <summary>Lets time pass up to <paramref name="target"/>, waking waiters one deadline at a time.</summary>
    public void AdvanceTo(DateTimeOffset target) => WakeDue(target, stepping: true);

    public void Advance(TimeSpan by) => AdvanceTo(Now + by);

    private void WakeDue(DateTimeOffset target, bool stepping)
    {
        // The runtime does not inline continuations on a thread with a SynchronizationContext, and xunit gives
        // the test thread one: clear it while waking, or the woken code would run later on the thread pool.
        WithoutSynchronizationContext(() => WakeDueInline(target, stepping));
    }

    /// <summary>Runs <paramref name="action"/> so that the continuations it triggers run inline, before it returns.</summary>
    public static void WithoutSynchronizationContext(Action action)
    {
        var context = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(null);
        try
        {
            action();
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(context);
        }
    }

    private void WakeDueInline(DateTimeOffset target, bool stepping)
    {
        while (true)
        {
            Waiter? next;
            lock (_lock)
            {
                next = _waiters.Where(w => w.Until <= target).OrderBy(w => w.Until).ThenBy(w => w.Sequence).FirstOrDefault();
                if (next is null)
                {
                    if (target > _now)
                    {
                        _now = target;
                    }

                    return;
                }

                _waiters.Remove(next);
                if (stepping && next.Until > _now)
                {
                    _now = next.Until;
                }
            }

            next.Registration.Dispose();
            next.Completion.TrySetResult();
        }
    }

    private sealed class Waiter(DateTimeOffset until, long sequence, TaskCompletionSource completion)
    {
        public DateTimeOffset Until { get; } = until;

        public long Sequence { get; } = sequence;

        public TaskCompletionSource Completion { get; } = completion;

        public CancellationTokenRegistration Registration { get; set; }
    }
}
