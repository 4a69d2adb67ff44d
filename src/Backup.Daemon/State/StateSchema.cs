using Microsoft.Data.Sqlite;

namespace Backup.Daemon.State;

/// <summary>
/// The schema of state.db and its migrations. <c>PRAGMA user_version</c> holds the number of migrations
/// applied; each runs in its own transaction together with the version bump, so a crash leaves either
/// the old or the new schema.
/// </summary>
internal static class StateSchema
{
    /// <summary>Migration N (1-based) brings the schema from version N-1 to N. Append only; never edit a shipped one.</summary>
    private static readonly string[] Migrations =
    [
        """
        CREATE TABLE runs (
            id               INTEGER PRIMARY KEY AUTOINCREMENT,
            job              TEXT    NOT NULL,
            trigger          TEXT    NOT NULL,
            started_ms       INTEGER NOT NULL,
            ended_ms         INTEGER,
            result           TEXT    NOT NULL,
            snapshot_id      TEXT,
            files_new        INTEGER NOT NULL DEFAULT 0,
            files_changed    INTEGER NOT NULL DEFAULT 0,
            files_unmodified INTEGER NOT NULL DEFAULT 0,
            bytes_new        INTEGER NOT NULL DEFAULT 0,
            bytes_changed    INTEGER NOT NULL DEFAULT 0,
            bytes_unmodified INTEGER NOT NULL DEFAULT 0,
            error            TEXT
        );
        CREATE INDEX runs_by_job ON runs (job, started_ms);
        CREATE INDEX runs_by_result ON runs (result);

        CREATE TABLE jobs (
            job               TEXT PRIMARY KEY NOT NULL,
            first_seen_ms     INTEGER,
            next_planned_ms   INTEGER,
            overdue_raised_ms INTEGER,
            last_heartbeat_ms INTEGER
        );

        CREATE TABLE notifications (
            job         TEXT    NOT NULL,
            channel     TEXT    NOT NULL,
            condition   TEXT,
            notified_ms INTEGER NOT NULL,
            PRIMARY KEY (job, channel)
        );
        """,
    ];

    public static int CurrentVersion => Migrations.Length;

    public static void Migrate(SqliteConnection connection, string path)
    {
        var version = UserVersion(connection);
        if (version > CurrentVersion)
        {
            throw new InvalidOperationException(
                $"{path}: schema version {version} was written by a newer backupd; this one understands up to version {CurrentVersion}");
        }

        for (; version < CurrentVersion; version++)
        {
            using var transaction = connection.BeginTransaction();
            using (var command = connection.CreateCommand())
            {
                command.Transaction = transaction;
                command.CommandText = Migrations[version] + $"\nPRAGMA user_version = {version + 1};";
                command.ExecuteNonQuery();
            }

            transaction.Commit();
        }
    }

    public static int UserVersion(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA user_version";
        return Convert.ToInt32(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
