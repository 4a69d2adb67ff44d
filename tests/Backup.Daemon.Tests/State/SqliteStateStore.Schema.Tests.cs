using Backup.Daemon.State;
using Microsoft.Data.Sqlite;

namespace Backup.Daemon.Tests.State;

public sealed class SqliteStateStoreSchemaTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void The_database_is_in_wal_mode_with_full_sync_and_a_schema_version()
    {
        using (var store = new SqliteStateStore(_dir.StateDb))
        {
            Assert.Equal("wal", store.Pragma("journal_mode"));
            Assert.Equal("2", store.Pragma("synchronous"));
            Assert.Equal("2", store.Pragma("user_version"));
            store.RunStarted("a", TriggerKind.Manual, DateTimeOffset.UnixEpoch);
            Assert.True(File.Exists(_dir.StateDb + "-wal"));
        }

        // WAL mode is a property of the file: another connection sees it too.
        Assert.Equal("wal", PlainPragma("journal_mode"));
        Assert.Equal(SqliteStateStore.FileName, Path.GetFileName(_dir.StateDb));
    }

    [Fact]
    public void Reopening_keeps_the_data_and_does_not_migrate_again()
    {
        using (var store = new SqliteStateStore(_dir.StateDb))
        {
            store.RunStarted("a", TriggerKind.Manual, DateTimeOffset.UnixEpoch);
        }

        using (var store = new SqliteStateStore(_dir.StateDb))
        {
            Assert.Single(store.History("a", 10));
            Assert.Equal("2", store.Pragma("user_version"));
        }
    }

    [Fact]
    public void A_database_from_a_newer_daemon_is_refused_and_left_alone()
    {
        using (var store = new SqliteStateStore(_dir.StateDb))
        {
        }

        PlainExecute("PRAGMA user_version = 99");
        var error = Assert.Throws<InvalidOperationException>(() => new SqliteStateStore(_dir.StateDb));
        Assert.Contains("newer backupd", error.Message);
        Assert.Contains(_dir.StateDb, error.Message);
        Assert.Equal("99", PlainPragma("user_version"));
    }

    [Fact]
    public void A_store_used_after_dispose_says_so()
    {
        var store = new SqliteStateStore(_dir.StateDb);
        store.Dispose();
        store.Dispose();
        Assert.Throws<ObjectDisposedException>(() => store.LastRun("a"));
    }

    private string PlainPragma(string name)
    {
        using var connection = new SqliteConnection($"Data Source={_dir.StateDb};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"PRAGMA {name}";
        return Convert.ToString(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture)!;
    }

    private void PlainExecute(string sql)
    {
        using var connection = new SqliteConnection($"Data Source={_dir.StateDb};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
