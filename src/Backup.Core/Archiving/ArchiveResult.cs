using Backup.Core.Model;

namespace Backup.Core.Archiving;

/// <summary>What a backup did: the root tree, counts as restic reports them, and the warnings.</summary>
public sealed class ArchiveResult
{
    public required Id RootTree { get; init; }

    public required ArchiveStats Stats { get; init; }

    /// <summary>What could not be read, sorted (ordinal), most messages beginning with the path.</summary>
    public required IReadOnlyList<string> Warnings { get; init; }

    public required ScanReport Scan { get; init; }
}

public sealed class ArchiveStats
{
    public long FilesNew;
    public long FilesChanged;
    public long FilesUnmodified;
    public long DirsNew;
    public long DirsChanged;
    public long DirsUnmodified;
    public long BytesNew;
    public long BytesChanged;
    public long BytesUnmodified;
    public long TotalFilesProcessed;
    public long TotalBytesProcessed;

    /// <summary>Bytes of files whose content was read in this run (the rest came from the parent).</summary>
    public long BytesRead;
}

/// <summary>A snapshot of progress for display: counts so far and, when known, the totals.</summary>
public readonly record struct ArchiveProgress(long Files, long Bytes, long? TotalFiles, long? TotalBytes, string? CurrentPath);
