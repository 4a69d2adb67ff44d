using Backup.Daemon.Scheduling;

namespace Backup.Daemon.Configuration;

/// <summary>One job, as read from /etc/backup/jobs.d/NAME.yaml. The name is the file name without ".yaml".</summary>
public sealed class JobDefinition
{
    public required string Name { get; init; }

    /// <summary>The file it was read from (for messages).</summary>
    public required string File { get; init; }

    public required IReadOnlyList<string> Sources { get; init; }

    public IReadOnlyList<string> Exclude { get; init; } = [];

    public bool ExcludeCaches { get; init; }

    public bool OneFileSystem { get; init; }

    public IReadOnlyList<string> Tags { get; init; } = [];

    /// <summary>Keep a change journal of the sources between runs, so a backup visits only what changed (default true).</summary>
    public bool Watch { get; init; } = true;

    /// <summary>Even with a journal, scan everything at least this often (the journal's safety net).</summary>
    public TimeSpan FullScanEvery { get; init; } = DefaultFullScanEvery;

    public static TimeSpan DefaultFullScanEvery => TimeSpan.FromDays(7);

    /// <summary>A local path (later also sftp:…, rest:…).</summary>
    public required string Repository { get; init; }

    /// <summary>A file holding the repository password (0600), or null when a credential is used.</summary>
    public string? PasswordFile { get; init; }

    /// <summary>A systemd credential name, read from $CREDENTIALS_DIRECTORY/NAME.</summary>
    public string? PasswordCredential { get; init; }

    /// <summary>When the job runs by itself; null means only when triggered.</summary>
    public Schedule? Schedule { get; init; }

    /// <summary>A trigger is skipped when the last success is newer than this.</summary>
    public TimeSpan? MinInterval { get; init; }

    /// <summary>A scheduled run missed while the machine was off starts soon after start-up.</summary>
    public bool CatchUp { get; init; }

    /// <summary>Warn when there has been no successful backup for this long.</summary>
    public TimeSpan? OverdueAfter { get; init; }

    public NotifySettings Notify { get; init; } = new();
}

/// <summary>Where a job reports failures, overdue backups and (optionally) a periodic "all is well".</summary>
public sealed class NotifySettings
{
    /// <summary>Recipient for mail through the local sendmail interface.</summary>
    public string? Email { get; init; }

    /// <summary>A healthchecks-style ping URL: URL/start, URL (success), URL/fail.</summary>
    public string? Webhook { get; init; }

    /// <summary>Send an "all is well" message this often (so that silence itself means trouble).</summary>
    public TimeSpan? Heartbeat { get; init; }
}

/// <summary>Settings of /etc/backup/backup.yaml that apply to the whole daemon.</summary>
public sealed class GlobalSettings
{
    /// <summary>How many jobs may run at once (never two on the same repository).</summary>
    public int MaxConcurrentJobs { get; init; } = 2;

    /// <summary>How often a job whose destination is unavailable checks for it again.</summary>
    public TimeSpan DestinationPollInterval { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Defaults applied to jobs that do not say otherwise.</summary>
    public NotifySettings Notify { get; init; } = new();

    /// <summary>
    /// The kernel's fanotify queue length (fs.fanotify.max_queued_events) backupd asks for when it starts
    /// watching; a full queue costs a full scan. Raised only, never lowered; about 150 bytes of kernel memory per queued event.
    /// </summary>
    public int JournalQueueLength { get; init; } = DefaultJournalQueueLength;

    public const int DefaultJournalQueueLength = 1 << 20;
}

/// <summary>
/// A problem in a configuration file, printed as FILE:LINE:COLUMN: message. Line and Column are 1-based;
/// both are 0 when the problem is with the file as a whole (its name, its permissions), printed as FILE: message.
/// </summary>
public sealed record ConfigProblem(string File, int Line, int Column, string Message)
{
    public override string ToString() => Line > 0 ? $"{File}:{Line}:{Column}: {Message}" : $"{File}: {Message}";
}

/// <summary>The whole configuration: valid jobs, and disabled jobs with the problems that disabled them.</summary>
public sealed class DaemonConfiguration
{
    public required GlobalSettings Global { get; init; }

    public required IReadOnlyList<JobDefinition> Jobs { get; init; }

    /// <summary>Job name -> the problems in its file. Such a job is not run; the others are.</summary>
    public required IReadOnlyDictionary<string, IReadOnlyList<ConfigProblem>> DisabledJobs { get; init; }

    /// <summary>
    /// Problems in the global file (the defaults are used instead of a bad global file), and problems with the
    /// configuration directory as a whole: a missing directory, an unreadable jobs.d, a stray NAME.yml beside NAME.yaml.
    /// </summary>
    public required IReadOnlyList<ConfigProblem> GlobalProblems { get; init; }

    public IEnumerable<ConfigProblem> AllProblems => GlobalProblems.Concat(DisabledJobs.Values.SelectMany(p => p));
}
