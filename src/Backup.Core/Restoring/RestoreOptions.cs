namespace Backup.Core.Restoring;

public sealed class RestoreOptions
{
    /// <summary>The directory to restore into; created when missing.</summary>
    public required string Target { get; init; }

    /// <summary>A path inside the snapshot ("/home/alice/docs"); null restores the whole snapshot.</summary>
    public string? SubPath { get; init; }

    /// <summary>Restore numeric owners (only possible as root; otherwise files belong to the caller).</summary>
    public bool RestoreOwnership { get; init; } = Interop.Libc.GetEuid() == 0;

    public int FileConcurrency { get; init; } = Math.Max(4, Environment.ProcessorCount * 2);
}

public sealed class RestoreStats
{
    public long Files;
    public long Directories;
    public long Others;
    public long Bytes;
    public long HardLinks;
}

public sealed class RestoreResult
{
    public required RestoreStats Stats { get; init; }

    public required IReadOnlyList<string> Errors { get; init; }
}
