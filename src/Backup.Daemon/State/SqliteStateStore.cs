using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Backup.Daemon.State;

/// <summary>
/// The daemon's state in one SQLite file (<see cref="FileName"/> in the state directory), in WAL mode with
/// synchronous=FULL: run records are the user's history and must survive a power cut once written.
/// One connection guarded by a lock: the daemon writes a few rows per run, so contention does not matter.
/// Times are stored as unix milliseconds (UTC) and read back with offset zero.
/// </summary>
public sealed class SqliteStateStore : IStateStore, IDisposable
{
    public const string FileName = "state.db";

    private readonly Lock _lock = new();
    private readonly SqliteConnection _connection;
    private bool _disposed;

    /// <summary>Opens (creating if needed) the database at <paramref name="path"/> and brings its schema up to date.</summary>
    public SqliteStateStore(string path)
    {
        Path = path;
        var connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,

            // Without pooling, Dispose really closes the file (and checkpoints the WAL).
            Pooling = false,
        }.ToString();
        _connection = new SqliteConnection(connectionString);
        try
        {
            _connection.Open();
            var mode = Scalar<string>("PRAGMA journal_mode=WAL");
            if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidOperationException($"{path}: SQLite could not switch to WAL mode (journal mode is \"{mode}\")");
            }

            Execute("PRAGMA synchronous=FULL");

            // backupctl may read the same file while the daemon writes.
            Execute("PRAGMA busy_timeout=5000");
            StateSchema.Migrate(_connection, path);
        }
        catch
        {
            _connection.Dispose();
            throw;
        }
    }

    public string Path { get; }

    public long RunStarted(string job, TriggerKind trigger, DateTimeOffset started)
    {
        lock (_lock)
        {
            using var command = Command(
                "INSERT INTO runs (job, trigger, started_ms, result) VALUES ($job, $trigger, $started, $result) RETURNING id",
                ("$job", job),
                ("$trigger", Name(trigger)),
                ("$started", ToMs(started)),
                ("$result", Name(RunResult.Running)));
            return (long)command.ExecuteScalar()!;
        }
    }

    public void RunFinished(long runId, JobRunRecord outcome)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        if (outcome.Result == RunResult.Running)
        {
            throw new ArgumentException($"run {runId}: a finished run needs a result other than Running", nameof(outcome));
        }

        lock (_lock)
        {
            using var command = Command(
                """
                UPDATE runs SET ended_ms = $ended, result = $result, snapshot_id = $snapshot,
                    files_new = $filesNew, files_changed = $filesChanged, files_unmodified = $filesUnmodified,
                    bytes_new = $bytesNew, bytes_changed = $bytesChanged, bytes_unmodified = $bytesUnmodified,
                    error = $error, scan_kind = $scanKind, scan_reason = $scanReason, directories_visited = $dirs
                WHERE id = $id
                """,
                ("$id", runId),
                ("$ended", outcome.Ended is { } ended ? ToMs(ended) : null),
                ("$result", Name(outcome.Result)),
                ("$snapshot", outcome.SnapshotId),
                ("$filesNew", outcome.FilesNew),
                ("$filesChanged", outcome.FilesChanged),
                ("$filesUnmodified", outcome.FilesUnmodified),
                ("$bytesNew", outcome.BytesNew),
                ("$bytesChanged", outcome.BytesChanged),
                ("$bytesUnmodified", outcome.BytesUnmodified),
                ("$error", outcome.Error),
                ("$scanKind", outcome.ScanKind),
                ("$scanReason", outcome.ScanReason),
                ("$dirs", outcome.DirectoriesVisited));
            if (command.ExecuteNonQuery() != 1)
            {
                throw new KeyNotFoundException($"{Path}: there is no run {runId}");
            }
        }
    }

    public int MarkInterruptedRuns(DateTimeOffset now)
    {
        lock (_lock)
        {
            // The real end is unknown; "now" is when the daemon found out, which is what the signature promises.
            using var command = Command(
                "UPDATE runs SET result = $interrupted, ended_ms = $now, error = $error WHERE result = $running",
                ("$interrupted", Name(RunResult.Interrupted)),
                ("$running", Name(RunResult.Running)),
                ("$now", ToMs(now)),
                ("$error", JobRunRecord.InterruptedError));
            return command.ExecuteNonQuery();
        }
    }

    public IReadOnlyList<JobRunRecord> History(string job, int limit)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        lock (_lock)
        {
            using var command = Command(
                $"SELECT {RunColumns} FROM runs WHERE job = $job ORDER BY started_ms DESC, id DESC LIMIT $limit",
                ("$job", job),
                ("$limit", limit));
            return ReadRuns(command);
        }
    }

    public JobRunRecord? LastRun(string job) => History(job, 1).FirstOrDefault();

    public DateTimeOffset? LastSuccess(string job)
    {
        lock (_lock)
        {
            using var command = Command(
                "SELECT max(started_ms) FROM runs WHERE job = $job AND result IN ($success, $partial)",
                ("$job", job),
                ("$success", Name(RunResult.Success)),
                ("$partial", Name(RunResult.Partial)));
            return FromMs(command.ExecuteScalar());
        }
    }

    public DateTimeOffset? NextPlanned(string job) => JobColumn(job, "next_planned_ms");

    public void SetNextPlanned(string job, DateTimeOffset? when) => SetJobColumn(job, "next_planned_ms", when);

    public DateTimeOffset FirstSeen(string job, DateTimeOffset now)
    {
        lock (_lock)
        {
            using var command = Command(
                """
                INSERT INTO jobs (job, first_seen_ms) VALUES ($job, $now)
                ON CONFLICT (job) DO UPDATE SET first_seen_ms = coalesce(first_seen_ms, excluded.first_seen_ms)
                RETURNING first_seen_ms
                """,
                ("$job", job),
                ("$now", ToMs(now)));
            return FromMs(command.ExecuteScalar())!.Value;
        }
    }

    public DateTimeOffset? OverdueRaised(string job) => JobColumn(job, "overdue_raised_ms");

    public void SetOverdueRaised(string job, DateTimeOffset? when) => SetJobColumn(job, "overdue_raised_ms", when);

    public DateTimeOffset? LastHeartbeat(string job) => JobColumn(job, "last_heartbeat_ms");

    public void SetLastHeartbeat(string job, DateTimeOffset when) => SetJobColumn(job, "last_heartbeat_ms", when);

    public string? NotifiedCondition(string job, string channel)
    {
        lock (_lock)
        {
            using var command = Command(
                "SELECT condition FROM notifications WHERE job = $job AND channel = $channel",
                ("$job", job),
                ("$channel", channel));
            return command.ExecuteScalar() as string;
        }
    }

    public void SetNotifiedCondition(string job, string channel, string? condition, DateTimeOffset when)
    {
        lock (_lock)
        {
            using var command = Command(
                """
                INSERT INTO notifications (job, channel, condition, notified_ms) VALUES ($job, $channel, $condition, $when)
                ON CONFLICT (job, channel) DO UPDATE SET condition = excluded.condition, notified_ms = excluded.notified_ms
                """,
                ("$job", job),
                ("$channel", channel),
                ("$condition", condition),
                ("$when", ToMs(when)));
            command.ExecuteNonQuery();
        }
    }

    public DateTimeOffset? LastNotified(string job, string channel)
    {
        lock (_lock)
        {
            using var command = Command(
                "SELECT notified_ms FROM notifications WHERE job = $job AND channel = $channel",
                ("$job", job),
                ("$channel", channel));
            return FromMs(command.ExecuteScalar());
        }
    }

    /// <summary>The value of a pragma on the store's own connection (for tests and diagnostics).</summary>
    internal string Pragma(string name)
    {
        lock (_lock)
        {
            return Convert.ToString(Scalar<object>($"PRAGMA {name}"), CultureInfo.InvariantCulture) ?? "";
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _connection.Dispose();
        }
    }

    private const string RunColumns =
        "id, job, trigger, started_ms, ended_ms, result, snapshot_id, files_new, files_changed, files_unmodified, " +
        "bytes_new, bytes_changed, bytes_unmodified, error, scan_kind, scan_reason, directories_visited";

    private static List<JobRunRecord> ReadRuns(SqliteCommand command)
    {
        var runs = new List<JobRunRecord>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            runs.Add(new JobRunRecord
            {
                Id = reader.GetInt64(0),
                Job = reader.GetString(1),
                Trigger = Parse<TriggerKind>(reader.GetString(2)),
                Started = FromMs(reader.GetInt64(3))!.Value,
                Ended = reader.IsDBNull(4) ? null : FromMs(reader.GetInt64(4)),
                Result = Parse<RunResult>(reader.GetString(5)),
                SnapshotId = reader.IsDBNull(6) ? null : reader.GetString(6),
                FilesNew = reader.GetInt64(7),
                FilesChanged = reader.GetInt64(8),
                FilesUnmodified = reader.GetInt64(9),
                BytesNew = reader.GetInt64(10),
                BytesChanged = reader.GetInt64(11),
                BytesUnmodified = reader.GetInt64(12),
                Error = reader.IsDBNull(13) ? null : reader.GetString(13),
                ScanKind = reader.IsDBNull(14) ? null : reader.GetString(14),
                ScanReason = reader.IsDBNull(15) ? null : reader.GetString(15),
                DirectoriesVisited = reader.IsDBNull(16) ? null : reader.GetInt64(16),
            });
        }

        return runs;
    }

    private DateTimeOffset? JobColumn(string job, string column)
    {
        lock (_lock)
        {
            using var command = Command($"SELECT {column} FROM jobs WHERE job = $job", ("$job", job));
            return FromMs(command.ExecuteScalar());
        }
    }

    private void SetJobColumn(string job, string column, DateTimeOffset? when)
    {
        lock (_lock)
        {
            using var command = Command(
                $"""
                INSERT INTO jobs (job, {column}) VALUES ($job, $when)
                ON CONFLICT (job) DO UPDATE SET {column} = excluded.{column}
                """,
                ("$job", job),
                ("$when", when is { } w ? ToMs(w) : null));
            command.ExecuteNonQuery();
        }
    }

    private SqliteCommand Command(string sql, params (string Name, object? Value)[] parameters)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var command = _connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        return command;
    }

    private void Execute(string sql)
    {
        using var command = Command(sql);
        command.ExecuteNonQuery();
    }

    private T? Scalar<T>(string sql)
    {
        using var command = Command(sql);
        return (T?)command.ExecuteScalar();
    }

    // Enum values are stored by name, lower case, so the file stays readable with sqlite3 and
    // reordering an enum cannot change history.
    private static string Name<T>(T value)
        where T : struct, Enum => value.ToString().ToLowerInvariant();

    private static T Parse<T>(string text)
        where T : struct, Enum =>
        Enum.TryParse<T>(text, ignoreCase: true, out var value)
            ? value
            : throw new InvalidDataException($"state database: unknown {typeof(T).Name} \"{text}\" (written by a newer backupd?)");

    private static long ToMs(DateTimeOffset time) => time.ToUnixTimeMilliseconds();

    private static DateTimeOffset? FromMs(object? value) =>
        value is long ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;
}
