using Backup.Core.Archiving;
using Backup.Core.FileSystem;
using Backup.Daemon.State;
using Microsoft.Data.Sqlite;

namespace Backup.Daemon.Watching;

/// <summary>A watched filesystem's row.</summary>
internal sealed record JournalFilesystem(long FsId, ulong Device, string FsType, string MarkPath, DateTimeOffset? WatchingSince, long? WatchingSinceSeq);

/// <summary>What the journal remembers of a job's last committed backup.</summary>
internal sealed record JobCut(string Job, long Seq, DateTimeOffset At, string SnapshotId, string ConfigHash, string Mounts, DateTimeOffset LastFull);

internal sealed record JournalGap(long FsId, long Seq, DateTimeOffset At, string Reason);

internal sealed record DirtyHandleRow(long FsId, byte[] Handle, DirtyFlags Flags, string? PathHint);

internal sealed record DirtyPathRow(long FsId, string Path, DirtyFlags Flags);

/// <summary>
/// The change journal's tables in state.db (created by <see cref="StateSchema"/>), on a connection of its own.
/// Every change is stamped with a sequence number from one counter; a job's cut is the counter's value when its scan
/// started, so "changed since the last backup" is "last_seq greater than the job's cut".
/// </summary>
internal sealed class JournalStore : IDisposable
{
    private readonly Lock _lock = new();
    private readonly SqliteConnection _connection;

    public JournalStore(string path)
    {
        _connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWrite,
            Pooling = false,
        }.ToString());
        _connection.Open();
        Execute("PRAGMA busy_timeout=5000");

        // A lost journal write after a power cut is covered by the restart's gap; a slower disk write is not worth it.
        Execute("PRAGMA synchronous=NORMAL");
    }

    public long CurrentSeq()
    {
        lock (_lock)
        {
            return (long)Scalar("SELECT value FROM journal_counter WHERE name = 'seq'")!;
        }
    }

    public JournalFilesystem Filesystem(ulong device, string fsType, string markPath)
    {
        lock (_lock)
        {
            using var command = Command(
                """
                INSERT INTO journal_fs (device, fstype, mark_path) VALUES ($device, $type, $mark)
                ON CONFLICT (device) DO UPDATE SET fstype = excluded.fstype, mark_path = excluded.mark_path
                RETURNING fs_id, device, fstype, mark_path, watching_since_ms, watching_since_seq
                """,
                ("$device", (long)device),
                ("$type", fsType),
                ("$mark", markPath));
            using var reader = command.ExecuteReader();
            reader.Read();
            return ReadFilesystem(reader);
        }
    }

    public IReadOnlyList<JournalFilesystem> Filesystems()
    {
        lock (_lock)
        {
            using var command = Command("SELECT fs_id, device, fstype, mark_path, watching_since_ms, watching_since_seq FROM journal_fs");
            using var reader = command.ExecuteReader();
            var result = new List<JournalFilesystem>();
            while (reader.Read())
            {
                result.Add(ReadFilesystem(reader));
            }

            return result;
        }
    }

    /// <summary>Records that <paramref name="fsId"/> is watched from now on (or no longer, with null), and the gap before it.</summary>
    public long StartWatching(long fsId, DateTimeOffset now, string? gapReason)
    {
        lock (_lock)
        {
            using var transaction = _connection.BeginTransaction();
            var seq = NextSeq(transaction);
            Run(transaction, "UPDATE journal_fs SET watching_since_ms = $ms, watching_since_seq = $seq WHERE fs_id = $fs", ("$ms", now.ToUnixTimeMilliseconds()), ("$seq", seq), ("$fs", fsId));
            if (gapReason is not null)
            {
                InsertGap(transaction, fsId, seq, now, gapReason);
            }

            transaction.Commit();
            return seq;
        }
    }

    public void StopWatching(long fsId)
    {
        lock (_lock)
        {
            using var command = Command("UPDATE journal_fs SET watching_since_ms = NULL, watching_since_seq = NULL WHERE fs_id = $fs", ("$fs", fsId));
            command.ExecuteNonQuery();
        }
    }

    /// <summary>Writes one batch of changes under a new sequence number, in one transaction; returns that number.</summary>
    public long Record(
        IEnumerable<(long FsId, byte[] Handle, DirtyFlags Flags, string? PathHint)> directories,
        IEnumerable<(long FsId, string Path, DirtyFlags Flags)> paths,
        IEnumerable<(long FsId, ulong Device, ulong Inode)> inodes,
        IEnumerable<(long FsId, string Reason)> gaps,
        DateTimeOffset now)
    {
        lock (_lock)
        {
            using var transaction = _connection.BeginTransaction();
            var seq = NextSeq(transaction);
            using (var upsert = Command(
                       """
                       INSERT INTO journal_dirty (fs_id, handle, flags, first_seq, last_seq, path_hint) VALUES ($fs, $h, $f, $seq, $seq, $hint)
                       ON CONFLICT (fs_id, handle) DO UPDATE SET flags = flags | excluded.flags, last_seq = excluded.last_seq,
                           path_hint = coalesce(excluded.path_hint, path_hint)
                       """))
            {
                upsert.Transaction = transaction;
                var fs = upsert.Parameters.Add("$fs", SqliteType.Integer);
                var h = upsert.Parameters.Add("$h", SqliteType.Blob);
                var f = upsert.Parameters.Add("$f", SqliteType.Integer);
                var hint = upsert.Parameters.Add("$hint", SqliteType.Text);
                upsert.Parameters.AddWithValue("$seq", seq);
                foreach (var d in directories)
                {
                    fs.Value = d.FsId;
                    h.Value = d.Handle;
                    f.Value = (int)d.Flags;
                    hint.Value = (object?)d.PathHint ?? DBNull.Value;
                    upsert.ExecuteNonQuery();
                }
            }

            foreach (var p in paths)
            {
                Run(transaction,
                    """
                    INSERT INTO journal_dirty_path (fs_id, path, flags, last_seq) VALUES ($fs, $p, $f, $seq)
                    ON CONFLICT (fs_id, path) DO UPDATE SET flags = flags | excluded.flags, last_seq = excluded.last_seq
                    """,
                    ("$fs", p.FsId), ("$p", PathEncoding.Encode(p.Path)), ("$f", (int)p.Flags), ("$seq", seq));
            }

            foreach (var i in inodes)
            {
                Run(transaction,
                    """
                    INSERT INTO journal_inode (fs_id, device, inode, last_seq) VALUES ($fs, $d, $i, $seq)
                    ON CONFLICT (fs_id, device, inode) DO UPDATE SET last_seq = excluded.last_seq
                    """,
                    ("$fs", i.FsId), ("$d", (long)i.Device), ("$i", (long)i.Inode), ("$seq", seq));
            }

            foreach (var g in gaps)
            {
                InsertGap(transaction, g.FsId, seq, now, g.Reason);
            }

            transaction.Commit();
            return seq;
        }
    }

    public JobCut? Job(string job)
    {
        lock (_lock)
        {
            using var command = Command("SELECT cut_seq, cut_ms, snapshot_id, config_hash, mounts, last_full_ms FROM journal_job WHERE job = $job", ("$job", job));
            using var reader = command.ExecuteReader();
            return reader.Read()
                ? new JobCut(job, reader.GetInt64(0), FromMs(reader.GetInt64(1)), reader.GetString(2), reader.GetString(3), reader.GetString(4), FromMs(reader.GetInt64(5)))
                : null;
        }
    }

    public void ForgetJob(string job)
    {
        lock (_lock)
        {
            using var command = Command("DELETE FROM journal_job WHERE job = $job", ("$job", job));
            command.ExecuteNonQuery();
        }
    }

    /// <summary>The oldest gap of <paramref name="fsId"/> recorded after <paramref name="seq"/>, if any.</summary>
    public JournalGap? FirstGapAfter(long fsId, long seq)
    {
        lock (_lock)
        {
            using var command = Command("SELECT fs_id, seq, at_ms, reason FROM journal_gap WHERE fs_id = $fs AND seq > $seq ORDER BY seq LIMIT 1", ("$fs", fsId), ("$seq", seq));
            using var reader = command.ExecuteReader();
            return reader.Read() ? new JournalGap(reader.GetInt64(0), reader.GetInt64(1), FromMs(reader.GetInt64(2)), reader.GetString(3)) : null;
        }
    }

    public IReadOnlyList<DirtyHandleRow> DirtyHandles(long fsId, long afterSeq)
    {
        lock (_lock)
        {
            using var command = Command("SELECT handle, flags, path_hint FROM journal_dirty WHERE fs_id = $fs AND last_seq > $after",
                ("$fs", fsId), ("$after", afterSeq));
            using var reader = command.ExecuteReader();
            var rows = new List<DirtyHandleRow>();
            while (reader.Read())
            {
                rows.Add(new DirtyHandleRow(fsId, (byte[])reader.GetValue(0), (DirtyFlags)reader.GetInt32(1), reader.IsDBNull(2) ? null : reader.GetString(2)));
            }

            return rows;
        }
    }

    public IReadOnlyList<DirtyPathRow> DirtyPaths(long fsId, long afterSeq)
    {
        lock (_lock)
        {
            using var command = Command("SELECT path, flags FROM journal_dirty_path WHERE fs_id = $fs AND last_seq > $after",
                ("$fs", fsId), ("$after", afterSeq));
            using var reader = command.ExecuteReader();
            var rows = new List<DirtyPathRow>();
            while (reader.Read())
            {
                rows.Add(new DirtyPathRow(fsId, PathEncoding.Decode((byte[])reader.GetValue(0)), (DirtyFlags)reader.GetInt32(1)));
            }

            return rows;
        }
    }

    public IReadOnlyList<InodeKey> Inodes(long fsId, long afterSeq)
    {
        lock (_lock)
        {
            using var command = Command("SELECT device, inode FROM journal_inode WHERE fs_id = $fs AND last_seq > $after",
                ("$fs", fsId), ("$after", afterSeq));
            using var reader = command.ExecuteReader();
            var rows = new List<InodeKey>();
            while (reader.Read())
            {
                rows.Add(new InodeKey((ulong)reader.GetInt64(0), (ulong)reader.GetInt64(1)));
            }

            return rows;
        }
    }

    /// <summary>How many directories of <paramref name="fsId"/> changed after <paramref name="afterSeq"/>.</summary>
    public long DirtyCount(long fsId, long afterSeq)
    {
        lock (_lock)
        {
            return (long)Scalar("SELECT (SELECT count(*) FROM journal_dirty WHERE fs_id = $fs AND last_seq > $s) + (SELECT count(*) FROM journal_dirty_path WHERE fs_id = $fs AND last_seq > $s)",
                ("$fs", fsId), ("$s", afterSeq))!;
        }
    }

    /// <summary>
    /// Records a committed backup's cut, and drops what every job's cut has passed: rows changed last at or
    /// before the oldest cut are no longer needed by anyone.
    /// </summary>
    public void Commit(JobCut cut, IEnumerable<(long FsId, ulong Subvolume, ulong Generation)> btrfs)
    {
        lock (_lock)
        {
            using var transaction = _connection.BeginTransaction();
            Run(transaction,
                """
                INSERT INTO journal_job (job, cut_seq, cut_ms, snapshot_id, config_hash, mounts, last_full_ms)
                VALUES ($job, $seq, $ms, $snap, $hash, $mounts, $full)
                ON CONFLICT (job) DO UPDATE SET cut_seq = excluded.cut_seq, cut_ms = excluded.cut_ms, snapshot_id = excluded.snapshot_id,
                    config_hash = excluded.config_hash, mounts = excluded.mounts, last_full_ms = excluded.last_full_ms
                """,
                ("$job", cut.Job), ("$seq", cut.Seq), ("$ms", cut.At.ToUnixTimeMilliseconds()), ("$snap", cut.SnapshotId),
                ("$hash", cut.ConfigHash), ("$mounts", cut.Mounts), ("$full", cut.LastFull.ToUnixTimeMilliseconds()));
            foreach (var (fsId, subvolume, generation) in btrfs)
            {
                Run(transaction,
                    """
                    INSERT INTO journal_btrfs (fs_id, subvol_id, generation, seq) VALUES ($fs, $sv, $gen, $seq)
                    ON CONFLICT (fs_id, subvol_id) DO UPDATE SET generation = excluded.generation, seq = excluded.seq
                    WHERE excluded.seq > journal_btrfs.seq
                    """,
                    ("$fs", fsId), ("$sv", (long)subvolume), ("$gen", (long)generation), ("$seq", cut.Seq));
            }

            var oldest = (long)Scalar(transaction, "SELECT min(cut_seq) FROM journal_job")!;
            foreach (var table in new[] { "journal_dirty", "journal_dirty_path", "journal_inode" })
            {
                Run(transaction, $"DELETE FROM {table} WHERE last_seq <= $oldest", ("$oldest", oldest));
            }

            Run(transaction, "DELETE FROM journal_gap WHERE seq <= $oldest", ("$oldest", oldest));
            transaction.Commit();
        }
    }

    /// <summary>The newest btrfs checkpoint of each subvolume of <paramref name="fsId"/>: subvolume id -> (generation, seq).</summary>
    public IReadOnlyDictionary<ulong, (ulong Generation, long Seq)> BtrfsCheckpoints(long fsId)
    {
        lock (_lock)
        {
            using var command = Command("SELECT subvol_id, generation, seq FROM journal_btrfs WHERE fs_id = $fs", ("$fs", fsId));
            using var reader = command.ExecuteReader();
            var result = new Dictionary<ulong, (ulong, long)>();
            while (reader.Read())
            {
                result[(ulong)reader.GetInt64(0)] = ((ulong)reader.GetInt64(1), reader.GetInt64(2));
            }

            return result;
        }
    }

    public void Dispose() => _connection.Dispose();

    private long NextSeq(SqliteTransaction transaction) =>
        (long)Scalar(transaction, "UPDATE journal_counter SET value = value + 1 WHERE name = 'seq' RETURNING value")!;

    private void InsertGap(SqliteTransaction transaction, long fsId, long seq, DateTimeOffset at, string reason) =>
        Run(transaction, "INSERT INTO journal_gap (fs_id, seq, at_ms, reason) VALUES ($fs, $seq, $at, $reason)",
            ("$fs", fsId), ("$seq", seq), ("$at", at.ToUnixTimeMilliseconds()), ("$reason", reason));

    private static JournalFilesystem ReadFilesystem(SqliteDataReader reader) => new(
        reader.GetInt64(0),
        (ulong)reader.GetInt64(1),
        reader.GetString(2),
        reader.GetString(3),
        reader.IsDBNull(4) ? null : FromMs(reader.GetInt64(4)),
        reader.IsDBNull(5) ? null : reader.GetInt64(5));

    private static DateTimeOffset FromMs(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);

    private void Execute(string sql)
    {
        using var command = Command(sql);
        command.ExecuteNonQuery();
    }

    private object? Scalar(string sql, params (string Name, object? Value)[] parameters)
    {
        using var command = Command(sql, parameters);
        return command.ExecuteScalar();
    }

    private object? Scalar(SqliteTransaction transaction, string sql, params (string Name, object? Value)[] parameters)
    {
        using var command = Command(sql, parameters);
        command.Transaction = transaction;
        return command.ExecuteScalar();
    }

    private void Run(SqliteTransaction transaction, string sql, params (string Name, object? Value)[] parameters)
    {
        using var command = Command(sql, parameters);
        command.Transaction = transaction;
        command.ExecuteNonQuery();
    }

    private SqliteCommand Command(string sql, params (string Name, object? Value)[] parameters)
    {
        var command = _connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        return command;
    }
}
