using Backup.Daemon.Configuration;

namespace Backup.Daemon.Scheduling;

/// <summary>
/// Whether a job's destination can be written now (its removable drive is plugged in and mounted).
/// It is called often and on the queue's threads, so it must answer quickly from local facts;
/// network destinations answer true and let the run itself report connection errors.
/// </summary>
public interface IDestinationProbe
{
    bool IsAvailable(JobDefinition job);
}

/// <summary>A probe from a delegate.</summary>
public sealed class DelegateDestinationProbe(Func<JobDefinition, bool> isAvailable) : IDestinationProbe
{
    /// <summary>For destinations that are always there.</summary>
    public static DelegateDestinationProbe Always { get; } = new(_ => true);

    public bool IsAvailable(JobDefinition job) => isAvailable(job);
}
