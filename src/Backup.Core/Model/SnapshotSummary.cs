using System.Text.Json;

namespace Backup.Core.Model;

/// <summary>
/// Statistics of the backup that made a snapshot, the <c>summary</c> object restic 0.17 added. Older restic
/// ignores it. Counters that restic declares as Go <c>int</c> are signed here too.
/// </summary>
public sealed class SnapshotSummary
{
    public GoTime BackupStart { get; set; } = GoTime.Zero;

    public GoTime BackupEnd { get; set; } = GoTime.Zero;

    public ulong FilesNew { get; set; }

    public ulong FilesChanged { get; set; }

    public ulong FilesUnmodified { get; set; }

    public ulong DirsNew { get; set; }

    public ulong DirsChanged { get; set; }

    public ulong DirsUnmodified { get; set; }

    public long DataBlobs { get; set; }

    public long TreeBlobs { get; set; }

    public ulong DataAdded { get; set; }

    public ulong DataAddedPacked { get; set; }

    public ulong TotalFilesProcessed { get; set; }

    public ulong TotalBytesProcessed { get; set; }

    // No field of the summary is omitempty, so every key is always written.
    internal void Write(GoJsonWriter w)
    {
        w.Raw("{\"backup_start\":"u8);
        w.Time(BackupStart, "summary.backup_start");
        w.Raw(",\"backup_end\":"u8);
        w.Time(BackupEnd, "summary.backup_end");
        w.Raw(",\"files_new\":"u8);
        w.Number(FilesNew);
        w.Raw(",\"files_changed\":"u8);
        w.Number(FilesChanged);
        w.Raw(",\"files_unmodified\":"u8);
        w.Number(FilesUnmodified);
        w.Raw(",\"dirs_new\":"u8);
        w.Number(DirsNew);
        w.Raw(",\"dirs_changed\":"u8);
        w.Number(DirsChanged);
        w.Raw(",\"dirs_unmodified\":"u8);
        w.Number(DirsUnmodified);
        w.Raw(",\"data_blobs\":"u8);
        w.Number(DataBlobs);
        w.Raw(",\"tree_blobs\":"u8);
        w.Number(TreeBlobs);
        w.Raw(",\"data_added\":"u8);
        w.Number(DataAdded);
        w.Raw(",\"data_added_packed\":"u8);
        w.Number(DataAddedPacked);
        w.Raw(",\"total_files_processed\":"u8);
        w.Number(TotalFilesProcessed);
        w.Raw(",\"total_bytes_processed\":"u8);
        w.Number(TotalBytesProcessed);
        w.Raw("}"u8);
    }

    internal static SnapshotSummary Read(ref Utf8JsonReader reader)
    {
        GoJsonFields.ExpectStartObject(ref reader, "summary");
        var s = new SnapshotSummary();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            switch (GoJsonFields.Key(ref reader))
            {
                case "backup_start": s.BackupStart = GoJsonFields.Time(ref reader, "summary.backup_start", s.BackupStart); break;
                case "backup_end": s.BackupEnd = GoJsonFields.Time(ref reader, "summary.backup_end", s.BackupEnd); break;
                case "files_new": s.FilesNew = GoJsonFields.UInt64(ref reader, "summary.files_new", s.FilesNew); break;
                case "files_changed": s.FilesChanged = GoJsonFields.UInt64(ref reader, "summary.files_changed", s.FilesChanged); break;
                case "files_unmodified": s.FilesUnmodified = GoJsonFields.UInt64(ref reader, "summary.files_unmodified", s.FilesUnmodified); break;
                case "dirs_new": s.DirsNew = GoJsonFields.UInt64(ref reader, "summary.dirs_new", s.DirsNew); break;
                case "dirs_changed": s.DirsChanged = GoJsonFields.UInt64(ref reader, "summary.dirs_changed", s.DirsChanged); break;
                case "dirs_unmodified": s.DirsUnmodified = GoJsonFields.UInt64(ref reader, "summary.dirs_unmodified", s.DirsUnmodified); break;
                case "data_blobs": s.DataBlobs = GoJsonFields.Int64(ref reader, "summary.data_blobs", s.DataBlobs); break;
                case "tree_blobs": s.TreeBlobs = GoJsonFields.Int64(ref reader, "summary.tree_blobs", s.TreeBlobs); break;
                case "data_added": s.DataAdded = GoJsonFields.UInt64(ref reader, "summary.data_added", s.DataAdded); break;
                case "data_added_packed": s.DataAddedPacked = GoJsonFields.UInt64(ref reader, "summary.data_added_packed", s.DataAddedPacked); break;
                case "total_files_processed": s.TotalFilesProcessed = GoJsonFields.UInt64(ref reader, "summary.total_files_processed", s.TotalFilesProcessed); break;
                case "total_bytes_processed": s.TotalBytesProcessed = GoJsonFields.UInt64(ref reader, "summary.total_bytes_processed", s.TotalBytesProcessed); break;
                default: GoJsonFields.Skip(ref reader); break;
            }
        }

        return s;
    }
}
