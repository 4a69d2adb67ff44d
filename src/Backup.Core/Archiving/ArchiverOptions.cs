namespace Backup.Core.Archiving;

public sealed class ArchiverOptions
{
    /// <summary>What to back up, as given by the user (relative paths are resolved against the working directory).</summary>
    public required IReadOnlyList<string> Paths { get; init; }

    public ExcludeFilter Excludes { get; init; } = new();

    /// <summary>Skip directories holding a CACHEDIR.TAG with the standard signature.</summary>
    public bool ExcludeCaches { get; init; }

    /// <summary>Do not descend into directories on another filesystem than the backup argument.</summary>
    public bool OneFileSystem { get; init; }

    /// <summary>Record the real access time instead of the modification time (restic's default is mtime).</summary>
    public bool WithAtime { get; init; }

    /// <summary>How many files are read at once; blob compression and encryption use one worker per core.</summary>
    public int FileConcurrency { get; init; } = Math.Max(2, Environment.ProcessorCount);

    /// <summary>How many directories are walked (listed and stat'ed) at once; 1 walks them one after another.</summary>
    public int DirectoryConcurrency { get; init; } = 2 * Math.Max(2, Environment.ProcessorCount);

    public TimeZoneInfo TimeZone { get; init; } = TimeZoneInfo.Local;

    /// <summary>What the change journal says to look at; null means a full scan ("no change journal").</summary>
    public ScanPlan? Plan { get; init; }

    internal ArchiverOptions WithPlan(ScanPlan? plan) => new()
    {
        Paths = Paths,
        Excludes = Excludes,
        ExcludeCaches = ExcludeCaches,
        OneFileSystem = OneFileSystem,
        WithAtime = WithAtime,
        FileConcurrency = FileConcurrency,
        DirectoryConcurrency = DirectoryConcurrency,
        TimeZone = TimeZone,
        Plan = plan,
    };
}
