namespace Backup.Daemon.Configuration;

/// <summary>Reads and checks the global file, backup.yaml.</summary>
internal static class GlobalFileReader
{
    public const string FileName = "backup.yaml";

    public static readonly string[] Keys = ["max_concurrent_jobs", "destination_poll_interval", "notify", "journal_queue_length"];

    /// <summary>The settings, or null when the file has problems (they are added to <paramref name="problems"/>).</summary>
    public static GlobalSettings? Read(string text, ProblemList problems)
    {
        if (!ConfigFileParser.TryParse(text, problems, out var root))
        {
            return null;
        }

        if (root is null)
        {
            return new GlobalSettings();
        }

        if (root is not ConfigMapping mapping)
        {
            problems.Add(root, $"{FileName} must be a mapping of settings (key: value lines), not {root.KindName}");
            return null;
        }

        var reader = new MappingReader(mapping, "", problems);
        reader.ReportUnknownKeys(Keys, FileName,
            key => JobFileReader.Keys.Contains(key, StringComparer.Ordinal) ? "a job file, jobs.d/NAME.yaml" : null);
        var defaults = new GlobalSettings();
        var settings = new GlobalSettings
        {
            MaxConcurrentJobs = reader.Integer("max_concurrent_jobs", 1, 64) ?? defaults.MaxConcurrentJobs,
            DestinationPollInterval = reader.Duration("destination_poll_interval") ?? defaults.DestinationPollInterval,
            Notify = NotifySection.Read(reader, FileName).ToSettings(),
            JournalQueueLength = reader.Integer("journal_queue_length", 16, 1 << 26) ?? defaults.JournalQueueLength,
        };

        return problems.Count == 0 ? settings : null;
    }
}
