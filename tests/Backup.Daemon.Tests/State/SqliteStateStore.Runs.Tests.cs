using Backup.Daemon.State;
using Microsoft.Data.Sqlite;

namespace Backup.Daemon.Tests.State;

public sealed class SqliteStateStoreRunsTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2025, 1, 10, 2, 0, 0, TimeSpan.FromHours(1));
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void A_finished_run_reads_back_with_every_field()
    {
        using var store = new SqliteStateStore(_dir.StateDb);
        var id = store.RunStarted("home", TriggerKind.Device, T0);
        var running = Assert.Single(store.History("home", 10));
        Assert.Equal(new JobRunRecord { Id = id, Job = "home", Trigger = TriggerKind.Device, Started = T0 }, running);

        var finished = new JobRunRecord
        {
            Id = id,
            Job = "home",
            Trigger = TriggerKind.Device,
            Started = T0,
            Ended = T0.AddMinutes(7).AddMilliseconds(250),
            Result = RunResult.Partial,
            SnapshotId = "4f3e2d1c",
            FilesNew = 1,
            FilesChanged = 2,
            FilesUnmodified = 3,
            BytesNew = 4_000_000_000_000,
            BytesChanged = 5,
            BytesUnmodified = 6,
            Error = "/home/a/secret: permission denied",
        };
        store.RunFinished(id, finished);

        // Equality of DateTimeOffset is by instant; the store gives times back in UTC.
        var read = store.LastRun("home")!;
        Assert.Equal(finished, read);
        Assert.Equal(TimeSpan.Zero, read.Started.Offset);
    }

    [Fact]
    public void History_is_newest_first_per_job_and_limited()
    {
        using var store = new SqliteStateStore(_dir.StateDb);
        for (var i = 0; i < 5; i++)
        {
            Finish(store, store.RunStarted("a", TriggerKind.Schedule, T0.AddHours(i)), RunResult.Success);
        }

        store.RunStarted("b", TriggerKind.Manual, T0.AddDays(1));

        var history = store.History("a", 3);
        Assert.Equal([T0.AddHours(4), T0.AddHours(3), T0.AddHours(2)], history.Select(r => r.Started));
        Assert.All(history, r => Assert.Equal("a", r.Job));
        Assert.Empty(store.History("c", 3));
        Assert.Null(store.LastRun("c"));
        Assert.Equal(RunResult.Running, store.LastRun("b")!.Result);
    }

    [Fact]
    public void Last_success_is_the_start_of_the_newest_run_that_saved_a_snapshot()
    {
        using var store = new SqliteStateStore(_dir.StateDb);
        Assert.Null(store.LastSuccess("a"));
        Finish(store, store.RunStarted("a", TriggerKind.Schedule, T0), RunResult.Success);
        Finish(store, store.RunStarted("a", TriggerKind.Schedule, T0.AddHours(1)), RunResult.Partial);
        Finish(store, store.RunStarted("a", TriggerKind.Schedule, T0.AddHours(2)), RunResult.Failed);
        Finish(store, store.RunStarted("a", TriggerKind.Schedule, T0.AddHours(3)), RunResult.Cancelled);
        store.RunStarted("a", TriggerKind.Schedule, T0.AddHours(4));
        Finish(store, store.RunStarted("b", TriggerKind.Schedule, T0.AddHours(5)), RunResult.Success);

        Assert.Equal(T0.AddHours(1), store.LastSuccess("a"));
    }

    [Fact]
    public void Interrupted_runs_are_marked_at_start_up_and_stay_marked_after_reopening()
    {
        using (var store = new SqliteStateStore(_dir.StateDb))
        {
            Finish(store, store.RunStarted("a", TriggerKind.Schedule, T0), RunResult.Success);
            store.RunStarted("a", TriggerKind.Schedule, T0.AddHours(1));
            store.RunStarted("b", TriggerKind.Manual, T0.AddHours(1));

            // The daemon dies here: the runs stay "running" on disk.
        }

        var restart = T0.AddHours(5);
        using (var store = new SqliteStateStore(_dir.StateDb))
        {
            Assert.Equal(2, store.MarkInterruptedRuns(restart));
            Assert.Equal(0, store.MarkInterruptedRuns(restart));
        }

        using (var store = new SqliteStateStore(_dir.StateDb))
        {
            var a = store.History("a", 10);
            Assert.Equal([RunResult.Interrupted, RunResult.Success], a.Select(r => r.Result));
            Assert.Equal("the daemon stopped while this run was in progress", a[0].Error);
            Assert.Equal(restart, a[0].Ended);
            Assert.Null(a[1].Error);
            Assert.Equal(RunResult.Interrupted, store.LastRun("b")!.Result);
        }
    }

    [Fact]
    public void Finishing_an_unknown_run_or_with_result_running_is_refused()
    {
        using var store = new SqliteStateStore(_dir.StateDb);
        var record = new JobRunRecord { Job = "a", Trigger = TriggerKind.Manual, Started = T0, Ended = T0, Result = RunResult.Success };
        Assert.Throws<KeyNotFoundException>(() => store.RunFinished(42, record));
        var id = store.RunStarted("a", TriggerKind.Manual, T0);
        Assert.Throws<ArgumentException>(() => store.RunFinished(id, record with { Result = RunResult.Running }));
    }

    [Fact]
    public void Many_tasks_can_record_runs_at_once()
    {
        using var store = new SqliteStateStore(_dir.StateDb);
        var ids = new System.Collections.Concurrent.ConcurrentBag<long>();
        Parallel.For(0, 200, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            var job = "job" + (i % 4);
            var id = store.RunStarted(job, TriggerKind.Schedule, T0.AddSeconds(i));
            ids.Add(id);
            Finish(store, id, RunResult.Success);
            _ = store.LastSuccess(job);
        });

        Assert.Equal(200, ids.Distinct().Count());
        Assert.Equal(50, store.History("job1", 1000).Count);
        Assert.All(store.History("job2", 1000), r => Assert.Equal(RunResult.Success, r.Result));
    }

    [Fact]
    public void Results_and_triggers_are_stored_by_name_so_the_file_reads_well_in_sqlite3()
    {
        using (var store = new SqliteStateStore(_dir.StateDb))
        {
            Finish(store, store.RunStarted("a", TriggerKind.CatchUp, T0), RunResult.Success);
        }

        using var connection = new SqliteConnection($"Data Source={_dir.StateDb};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT trigger || ' ' || result || ' ' || started_ms FROM runs";
        Assert.Equal($"catchup success {T0.ToUnixTimeMilliseconds()}", command.ExecuteScalar());
    }

    // RunFinished takes only the outcome fields; job, trigger and start stay as recorded.
    private static void Finish(SqliteStateStore store, long id, RunResult result) =>
        store.RunFinished(id, new JobRunRecord { Job = "?", Trigger = TriggerKind.Manual, Started = T0, Ended = T0.AddDays(9), Result = result });
}
