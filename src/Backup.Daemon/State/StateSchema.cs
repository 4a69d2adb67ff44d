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
        """
        ALTER TABLE runs ADD COLUMN scan_kind TEXT;
        ALTER TABLE runs ADD COLUMN scan_reason TEXT;
        ALTER TABLE runs ADD COLUMN directories_visited INTEGER;

        -- The change journal. One row per watched filesystem (superblock), keyed by its device number.
        CREATE TABLE journal_fs (
            fs_id         INTEGER PRIMARY KEY AUTOINCREMENT,
            device        INTEGER NOT NULL UNIQUE,
            fstype        TEXT    NOT NULL,
            mark_path     TEXT    NOT NULL,
            watching_since_ms  INTEGER,
            watching_since_seq INTEGER
        );

        -- Directories with changes, by file handle (they follow renames); flags: 1 children, 2 self, 4 recursive.
        CREATE TABLE journal_dirty (
            fs_id      INTEGER NOT NULL,
            handle     BLOB    NOT NULL,
            flags      INTEGER NOT NULL,
            first_seq  INTEGER NOT NULL,
            last_seq   INTEGER NOT NULL,
            path_hint  TEXT,
            PRIMARY KEY (fs_id, handle)
        ) WITHOUT ROWID;

        -- Directories with changes, by path relative to the filesystem root (gap bridging, resolved file events).
        -- Paths are the name bytes (any bytes but NUL), not text: Linux names need not be UTF-8.
        CREATE TABLE journal_dirty_path (
            fs_id     INTEGER NOT NULL,
            path      BLOB    NOT NULL,
            flags     INTEGER NOT NULL,
            last_seq  INTEGER NOT NULL,
            PRIMARY KEY (fs_id, path)
        ) WITHOUT ROWID;

        -- Inodes changed without a parent directory in the event (link count changes, writes through handles).
        CREATE TABLE journal_inode (
            fs_id     INTEGER NOT NULL,
            device    INTEGER NOT NULL,
            inode     INTEGER NOT NULL,
            last_seq  INTEGER NOT NULL,
            PRIMARY KEY (fs_id, device, inode)
        ) WITHOUT ROWID;

        -- Times when changes may have been missed; a job whose last cut is older scans in full.
        CREATE TABLE journal_gap (
            id      INTEGER PRIMARY KEY AUTOINCREMENT,
            fs_id   INTEGER NOT NULL,
            seq     INTEGER NOT NULL,
            at_ms   INTEGER NOT NULL,
            reason  TEXT    NOT NULL
        );

        -- Per job: the cut of its last committed backup and what the journal must compare against.
        CREATE TABLE journal_job (
            job           TEXT PRIMARY KEY NOT NULL,
            cut_seq       INTEGER NOT NULL,
            cut_ms        INTEGER NOT NULL,
            snapshot_id   TEXT    NOT NULL,
            config_hash   TEXT    NOT NULL,
            mounts        TEXT    NOT NULL,
            last_full_ms  INTEGER NOT NULL
        );

        -- btrfs: each subvolume's generation at a cut, to bridge a gap without a full scan.
        CREATE TABLE journal_btrfs (
            fs_id       INTEGER NOT NULL,
            subvol_id   INTEGER NOT NULL,
            generation  INTEGER NOT NULL,
            seq         INTEGER NOT NULL,
            PRIMARY KEY (fs_id, subvol_id)
        ) WITHOUT ROWID;

        CREATE TABLE journal_counter (name TEXT PRIMARY KEY NOT NULL, value INTEGER NOT NULL);
        INSERT INTO journal_counter VALUES ('seq', 0);
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
