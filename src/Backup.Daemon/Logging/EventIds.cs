using Serilog;

namespace Backup.Daemon.Logging;

/// <summary>
/// Stable 128-bit ids for the kinds of events backupd logs. In the journal each becomes MESSAGE_ID=,
/// so <c>journalctl MESSAGE_ID=…</c> finds every failed job regardless of wording or language, and a
/// message catalog can attach documentation to it. Generated once with <c>systemd-id128 new</c>; never
/// change or reuse one, because users' queries and alerts depend on them.
/// </summary>
public static class EventIds
{
    /// <summary>The log event property that carries the id; the journal sink turns it into MESSAGE_ID.</summary>
    public const string PropertyName = "EventId";

    public const string DaemonStarted = "14e5ccfd03bb469da1abe37ee20a5882";
    public const string DaemonStopping = "5e2deed04f714428b6216a802574ee04";
    public const string JobStarted = "89c00985115643e9bf3026f1630e339d";
    public const string JobSucceeded = "6bf06bf36d874305ad8a4356ed92d9e7";

    /// <summary>A snapshot was written but some files could not be read (restic's exit code 3).</summary>
    public const string JobPartial = "8a79d78a8be7447392f216bddb397417";
    public const string JobFailed = "a1a7102b9d454d9dbe26923505c9c296";
    public const string JobCancelled = "5030358a75cb42d1a57a06c8426d8ab7";

    /// <summary>A trigger fired but the job did not run (already running, destination absent, conditions unmet).</summary>
    public const string JobSkipped = "0e7104b423444ddf8b60bfdbb1abb01b";

    /// <summary>A job has not succeeded within the time its schedule promises.</summary>
    public const string JobOverdue = "4592b91f0189431798ac94b498617734";
    public const string ConfigInvalid = "3e7636ab173a4ed2b6c16715629a54eb";
    public const string DestinationUnavailable = "68be79e9acdc4657a093a1a56ad81eac";
    public const string NotificationFailed = "3ee29b01cf0a441b9283921a1f0de05d";

    /// <summary>A logger whose events carry the id: <c>log.ForEvent(EventIds.JobFailed).Error(…)</c>.</summary>
    public static ILogger ForEvent(this ILogger logger, string eventId)
    {
        ArgumentNullException.ThrowIfNull(logger);
        return logger.ForContext(PropertyName, eventId);
    }
}
