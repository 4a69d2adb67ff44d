using Backup.Daemon.State;

namespace Backup.Daemon.Tests.State;

public sealed class SqliteStateStoreJobStateTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2025, 1, 10, 2, 0, 0, TimeSpan.Zero);
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Next_planned_run_round_trips_through_a_reopen_and_can_be_cleared()
    {
        using (var store = new SqliteStateStore(_dir.StateDb))
        {
            Assert.Null(store.NextPlanned("a"));
            store.SetNextPlanned("a", T0);
            store.SetNextPlanned("b", T0.AddDays(1));
            store.SetNextPlanned("a", T0.AddHours(1));
        }

        using (var store = new SqliteStateStore(_dir.StateDb))
        {
            Assert.Equal(T0.AddHours(1), store.NextPlanned("a"));
            Assert.Equal(T0.AddDays(1), store.NextPlanned("b"));
            store.SetNextPlanned("a", null);
            Assert.Null(store.NextPlanned("a"));
        }
    }

    [Fact]
    public void First_seen_is_recorded_once()
    {
        using (var store = new SqliteStateStore(_dir.StateDb))
        {
            store.SetNextPlanned("a", T0.AddDays(3));
            Assert.Equal(T0, store.FirstSeen("a", T0));
            Assert.Equal(T0, store.FirstSeen("a", T0.AddDays(1)));
        }

        using (var store = new SqliteStateStore(_dir.StateDb))
        {
            Assert.Equal(T0, store.FirstSeen("a", T0.AddDays(2)));
            Assert.Equal(T0.AddDays(3), store.NextPlanned("a"));
        }
    }

    [Fact]
    public void Overdue_and_heartbeat_state_round_trip()
    {
        using (var store = new SqliteStateStore(_dir.StateDb))
        {
            Assert.Null(store.OverdueRaised("a"));
            Assert.Null(store.LastHeartbeat("a"));
            store.SetOverdueRaised("a", T0);
            store.SetLastHeartbeat("a", T0.AddHours(2));
        }

        using (var store = new SqliteStateStore(_dir.StateDb))
        {
            Assert.Equal(T0, store.OverdueRaised("a"));
            Assert.Equal(T0.AddHours(2), store.LastHeartbeat("a"));
            store.SetOverdueRaised("a", null);
            Assert.Null(store.OverdueRaised("a"));
        }
    }

    [Fact]
    public void Notification_state_is_per_job_and_channel()
    {
        using (var store = new SqliteStateStore(_dir.StateDb))
        {
            Assert.Null(store.NotifiedCondition("a", "email"));
            Assert.Null(store.LastNotified("a", "email"));
            store.SetNotifiedCondition("a", "email", "overdue", T0);
            store.SetNotifiedCondition("a", "webhook", "failed", T0.AddMinutes(1));
            store.SetNotifiedCondition("b", "email", "ok", T0.AddMinutes(2));
            store.SetNotifiedCondition("a", "email", null, T0.AddMinutes(3));
        }

        using (var store = new SqliteStateStore(_dir.StateDb))
        {
            Assert.Null(store.NotifiedCondition("a", "email"));
            Assert.Equal(T0.AddMinutes(3), store.LastNotified("a", "email"));
            Assert.Equal("failed", store.NotifiedCondition("a", "webhook"));
            Assert.Equal("ok", store.NotifiedCondition("b", "email"));
            Assert.Equal(T0.AddMinutes(2), store.LastNotified("b", "email"));
        }
    }

    [Fact]
    public void Other_store_implementations_get_harmless_defaults_for_the_scheduler_members()
    {
        IStateStore minimal = new MinimalStore();
        Assert.Equal(T0, minimal.FirstSeen("a", T0));
        Assert.Null(minimal.OverdueRaised("a"));
        minimal.SetOverdueRaised("a", T0);
        minimal.SetLastHeartbeat("a", T0);
        Assert.Null(minimal.LastHeartbeat("a"));
    }

    /// <summary>An implementation written against the original interface: it must still compile and work.</summary>
    private sealed class MinimalStore : IStateStore
    {
        public long RunStarted(string job, TriggerKind trigger, DateTimeOffset started) => 1;

        public void RunFinished(long runId, JobRunRecord outcome)
        {
        }

        public int MarkInterruptedRuns(DateTimeOffset now) => 0;

        public IReadOnlyList<JobRunRecord> History(string job, int limit) => [];

        public JobRunRecord? LastRun(string job) => null;

        public DateTimeOffset? LastSuccess(string job) => null;

        public DateTimeOffset? NextPlanned(string job) => null;

        public void SetNextPlanned(string job, DateTimeOffset? when)
        {
        }

        public string? NotifiedCondition(string job, string channel) => null;

        public void SetNotifiedCondition(string job, string channel, string? condition, DateTimeOffset when)
        {
        }

        public DateTimeOffset? LastNotified(string job, string channel) => null;
    }
}
