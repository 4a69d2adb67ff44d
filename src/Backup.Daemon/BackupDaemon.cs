using System.Text.Json.Nodes;
using Backup.Core.Archiving;
using Backup.Daemon.Configuration;
using Backup.Daemon.Control;
using Backup.Daemon.Jobs;
using Backup.Daemon.Watching;
using Backup.Daemon.Logging;
using Backup.Daemon.Notifications;
using Backup.Daemon.Scheduling;
using Backup.Daemon.State;
using Backup.Linux.Control;
using Backup.Linux.FileSystem;
using Backup.Linux.Systemd;
using Serilog;

namespace Backup.Daemon;

/// <summary>
/// backupd: loads the jobs, keeps their history, schedules and queues runs, answers the control
/// socket and reports to systemd. Stopping (SIGTERM) cancels running jobs cleanly: what they stored
/// is indexed for the next run and their repository locks are released.
/// </summary>
public sealed class BackupDaemon
{
    private readonly ILogger _log;
    private readonly IClock _clock;
    private readonly SystemdNotifier _systemd = new();
    private readonly JobRunner _runner;
    private readonly Notifier _notifier;
    private readonly DaemonControlHandler _handler;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };
    private readonly DateTimeOffset _started;
    private readonly Lock _reloadLock = new();

    private static readonly TimeSpan MemoryReleaseDelay = TimeSpan.FromSeconds(1);

    private BackupDaemon(DaemonPaths paths, ILogger log, IClock clock, SqliteStateStore state, DaemonConfiguration configuration)
    {
        Paths = paths;
        _log = log;
        _clock = clock;
        _started = clock.Now;
        State = state;
        Configuration = configuration;
        _runner = new JobRunner(new LinuxFileSystem(), paths.CredentialsDirectory);
        _notifier = new Notifier(state, clock, job => Notifier.ChannelsFor(job, _http), (channel, e) =>
            _log.ForContext("EventId", EventIds.NotificationFailed).Warning("notification through {Channel} failed: {Error}", channel, e.Message));
        _handler = new DaemonControlHandler(this);
        Queue = new JobQueue(configuration.Global, clock, state, new DelegateDestinationProbe(JobRunner.DestinationAvailable), RunJobAsync);
        Scheduler = new Scheduler(state, clock, Queue, TimeZoneInfo.Local);
        Queue.Started += (_, e) => OnStarted(e);
        Queue.Finished += (_, e) => OnFinished(e);
        Scheduler.JobSkipped += (_, e) => _log.ForContext("EventId", EventIds.JobSkipped).ForContext("Job", e.Job.Name)
            .Information("job {Job}: {Trigger} run skipped: {Reason}", e.Job.Name, e.Trigger, e.Reason);
        Scheduler.Overdue += (_, e) => OnOverdue(e);
        Scheduler.Heartbeat += (_, e) => Notify(e.Job, NotificationKind.Heartbeat, $"backup {e.Job.Name} on {Environment.MachineName}: all is well",
            $"The last successful backup of job {e.Job.Name} was at {e.LastSuccess:yyyy-MM-dd HH:mm:ss zzz}.", new JsonObject { ["last_success"] = e.LastSuccess.ToString("o") });
    }

    public DaemonPaths Paths { get; }

    public DaemonConfiguration Configuration { get; private set; }

    public IStateStore State { get; }

    public JobQueue Queue { get; }

    public Scheduler Scheduler { get; }

    /// <summary>The change journal, or null when the daemon runs without one (BACKUPD_JOURNAL=off).</summary>
    public ChangeJournal? Journal { get; private set; }

    public static async Task<int> RunAsync(DaemonPaths paths, ILogger log, IClock clock, CancellationToken stop)
    {
        Directory.CreateDirectory(paths.StateDirectory);
        using var state = new SqliteStateStore(Path.Combine(paths.StateDirectory, "state.db"));
        var interrupted = state.MarkInterruptedRuns(clock.Now);
        if (interrupted > 0)
        {
            log.Warning("{Count} run(s) were in progress when backupd last stopped; they are recorded as interrupted", interrupted);
        }

        var configuration = LoadConfiguration(paths, log);
        var daemon = new BackupDaemon(paths, log, clock, state, configuration);
        return await daemon.ServeAsync(stop).ConfigureAwait(false);
    }

    /// <summary>Reads the configuration again; jobs whose files became invalid are disabled, the rest go on.</summary>
    public DaemonConfiguration Reload()
    {
        lock (_reloadLock)
        {
            var configuration = LoadConfiguration(Paths, _log);
            Configuration = configuration;
            Queue.UpdateSettings(configuration.Global);
            Scheduler.Reload(configuration.Jobs);
            Journal?.Watch(configuration.Jobs);
            _runner.CloseRepositories();
            UpdateStatus();
            return configuration;
        }
    }

    public JsonObject StatusJson() => new()
    {
        ["version"] = typeof(BackupDaemon).Assembly.GetName().Version?.ToString(),
        ["pid"] = Environment.ProcessId,
        ["started"] = _started.ToString("o"),
        ["config_dir"] = Paths.ConfigDirectory,
        ["state_dir"] = Paths.StateDirectory,
        ["socket"] = Paths.SocketPath,
        ["jobs"] = Configuration.Jobs.Count,
        ["disabled_jobs"] = Configuration.DisabledJobs.Count,
        ["running"] = new JsonArray(Queue.StatusAll().Where(s => s.Activity == JobActivity.Running).Select(s => (JsonNode?)s.Job).ToArray()),
        ["queued"] = new JsonArray(Queue.StatusAll().Where(s => s.Activity is JobActivity.Queued or JobActivity.WaitingForDestination).Select(s => (JsonNode?)s.Job).ToArray()),
    };

    private async Task<int> ServeAsync(CancellationToken stop)
    {
        var adminGroup = new LinuxFileSystem().GroupId("backup");
        var listener = TakeActivatedSocket() ?? ControlServer.Bind(Paths.SocketPath, adminGroup);
        using var serverStop = CancellationTokenSource.CreateLinkedTokenSource(stop);
        var server = new ControlServer(listener, _handler, adminGroup, message => _log.Warning("{Message}", message)).RunAsync(serverStop.Token);

        // Ready as soon as the socket is served; scheduling starts after, so systemd never waits on it.
        _systemd.Ready();
        _log.ForContext("EventId", EventIds.DaemonStarted).Information(
            "backupd started: {Jobs} job(s), {Disabled} disabled, config {ConfigDir}, control socket {Socket}",
            Configuration.Jobs.Count, Configuration.DisabledJobs.Count, Paths.ConfigDirectory, Paths.SocketPath);
        StartJournal();
        Scheduler.Reload(Configuration.Jobs);
        var scheduler = Task.Run(() => Scheduler.RunAsync(stop), CancellationToken.None);
        var watchdog = WatchdogAsync(stop);
        UpdateStatus();

        try
        {
            await Task.Delay(Timeout.Infinite, stop).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        _systemd.Stopping();
        _log.ForContext("EventId", EventIds.DaemonStopping).Information("backupd stopping: cancelling running jobs");
        _systemd.Status("stopping: cancelling running jobs");
        await Queue.StopAsync().ConfigureAwait(false);
        serverStop.Cancel();
        await IgnoreCancellation(server).ConfigureAwait(false);
        await IgnoreCancellation(scheduler).ConfigureAwait(false);
        await IgnoreCancellation(watchdog).ConfigureAwait(false);
        listener.Dispose();
        Scheduler.Dispose();
        Journal?.Dispose();
        return 0;
    }

    /// <summary>Starts watching before any job runs, so that the first scans already have the journal running behind them.</summary>
    private void StartJournal()
    {
        if (Environment.GetEnvironmentVariable("BACKUPD_JOURNAL") == "off")
        {
            _log.Information("the change journal is off (BACKUPD_JOURNAL=off): every backup scans its sources in full");
            return;
        }

        Journal = new ChangeJournal(Path.Combine(Paths.StateDirectory, SqliteStateStore.FileName), Paths.RuntimeDirectory, Configuration.Global.JournalQueueLength, _log, _clock);
        Journal.Start();
        Journal.Watch(Configuration.Jobs);
    }

    private System.Net.Sockets.Socket? TakeActivatedSocket()
    {
        var sockets = SocketActivation.Take();
        var control = sockets.FirstOrDefault(s => s.Name == "control") ?? (sockets.Count == 1 ? sockets[0] : null);
        foreach (var other in sockets.Where(s => s != control))
        {
            _log.Warning("ignoring socket {Socket} passed by systemd: backupd only uses the one named \"control\"", other.ToString());
            other.Dispose();
        }

        if (control is null)
        {
            return null;
        }

        _log.Information("control socket received from systemd ({Socket})", control.ToString());
        return control.ToUnixListener();
    }

    private async Task<JobOutcome> RunJobAsync(JobRun run, CancellationToken cancellationToken)
    {
        var job = run.Job;
        var timer = new PhaseTimer();
        try
        {
            var cut = Journal?.Cut(job, run.FullScan, timer);
            var summary = await _runner.RunAsync(job, cut?.Plan, timer, archiver => _handler.Running[job.Name] = archiver, cancellationToken).ConfigureAwait(false);
            timer.Mark("unlock");
            if (cut is not null)
            {
                CommitCut(cut, summary);
                timer.Mark("commit");
            }

            _log.ForContext("Job", job.Name).Debug("job {Job}: {Phases}", job.Name, timer);

            var stats = summary.Stats;
            return new JobOutcome
            {
                Result = summary.Warnings.Count > 0 ? RunResult.Partial : RunResult.Success,
                SnapshotId = summary.SnapshotId.ToString(),
                FilesNew = stats.FilesNew,
                FilesChanged = stats.FilesChanged,
                FilesUnmodified = stats.FilesUnmodified,
                BytesNew = stats.BytesNew,
                BytesChanged = stats.BytesChanged,
                BytesUnmodified = stats.BytesUnmodified,
                Error = summary.Warnings.Count > 0 ? $"{summary.Warnings.Count} source(s) unreadable: {string.Join("; ", summary.Warnings.Take(5))}" : null,
                ScanKind = summary.Scan.Kind,
                ScanReason = summary.Scan.Reason,
                DirectoriesVisited = summary.Scan.DirectoriesVisited,
            };
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return JobOutcome.Cancelled();
        }
        catch (Exception e)
        {
            return JobOutcome.Failed(e.Message);
        }
        finally
        {
            _handler.Running.TryRemove(job.Name, out _);
            _ = ReleaseMemoryWhenIdleAsync();
        }
    }

    /// <summary>
    /// A backup's buffers and trees are garbage once it ends; between runs the daemon only watches, so give that
    /// memory back to the system instead of keeping the run's peak until the next one. The indexes of the
    /// repositories kept open move to the cache directory, where they are page cache. A moment later, so that the
    /// run's end reaches its client first.
    /// </summary>
    private async Task ReleaseMemoryWhenIdleAsync()
    {
        await Task.Delay(MemoryReleaseDelay).ConfigureAwait(false);
        if (_handler.Running.IsEmpty)
        {
            MoveIndexesToDisk();
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
            var gc = GC.GetGCMemoryInfo();
            _log.Debug("memory after the run: managed heap {Heap:F1} MiB ({Free:F1} MiB of it free), {Committed:F1} MiB committed",
                gc.HeapSizeBytes / 1048576.0, gc.FragmentedBytes / 1048576.0, gc.TotalCommittedBytes / 1048576.0);
        }
    }

    private void MoveIndexesToDisk()
    {
        try
        {
            // systemd makes it (CacheDirectory=); a daemon started by hand may find it missing.
            Directory.CreateDirectory(Paths.CacheDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _log.Debug("indexes kept in memory: {Error}", e.Message);
            return;
        }

        foreach (var failure in _runner.MoveIndexesToDisk(Paths.CacheDirectory))
        {
            _log.Debug("index kept in memory: {Failure}", failure);
        }
    }

    /// <summary>
    /// Changes up to the cut are in the snapshot, unless some files could not be read: then the cut is not advanced,
    /// so the next run looks at those directories again, as a full scan would.
    /// </summary>
    private void CommitCut(JournalCut cut, BackupSummary summary)
    {
        if (summary.Warnings.Count > 0)
        {
            _log.ForContext("Job", cut.Job).Warning("job {Job}: some files were unreadable, so the change journal keeps the changes for the next run", cut.Job);
            return;
        }

        try
        {
            Journal!.Commit(cut, summary.SnapshotId.ToString(), summary.Scan);
        }
        catch (Exception e)
        {
            // The snapshot is saved; an uncommitted cut only means the next run looks at more.
            _log.ForContext("Job", cut.Job).Warning("job {Job}: the change journal could not record the backup: {Error}", cut.Job, e.Message);
        }
    }

    private void OnStarted(JobRunStarted e)
    {
        _log.ForContext("EventId", EventIds.JobStarted).ForContext("Job", e.Run.Job.Name).ForContext("Repository", e.Run.Job.Repository)
            .Information("job {Job} started ({Trigger})", e.Run.Job.Name, e.Run.Trigger);
        UpdateStatus();
        Notify(e.Run.Job, NotificationKind.Started, $"backup {e.Run.Job.Name} started", $"Job {e.Run.Job.Name} started ({e.Run.Trigger}).", new JsonObject { ["trigger"] = e.Run.Trigger.ToString() });
    }

    private void OnFinished(JobRunFinished e)
    {
        var record = e.Record;
        var log = _log.ForContext("Job", e.Job.Name).ForContext("Repository", e.Job.Repository);
        if (record.SnapshotId is { } snapshot)
        {
            log = log.ForContext("Snapshot", snapshot);
        }

        var details = DaemonControlHandler.RunJson(record);
        switch (record.Result)
        {
            case RunResult.Success:
                log.ForContext("EventId", EventIds.JobSucceeded).ForContext("ScanKind", record.ScanKind).Information(
                    "job {Job} succeeded: snapshot {Snapshot}, {FilesNew} new, {FilesChanged} changed, {FilesUnmodified} unmodified files; {Scan}",
                    e.Job.Name, record.SnapshotId, record.FilesNew, record.FilesChanged, record.FilesUnmodified, ScanText(record));
                Notify(e.Job, NotificationKind.Succeeded, $"backup {e.Job.Name} on {Environment.MachineName} succeeded", $"Snapshot {record.SnapshotId} saved.", details);
                break;
            case RunResult.Partial:
                log.ForContext("EventId", EventIds.JobPartial).Warning("job {Job}: snapshot {Snapshot} saved, but {Error}", e.Job.Name, record.SnapshotId, record.Error);
                Notify(e.Job, NotificationKind.Failed, $"backup {e.Job.Name} on {Environment.MachineName}: some files unreadable", $"Snapshot {record.SnapshotId} saved, but {record.Error}", details);
                break;
            case RunResult.Cancelled:
                log.ForContext("EventId", EventIds.JobCancelled).Warning("job {Job} cancelled", e.Job.Name);
                break;
            default:
                log.ForContext("EventId", EventIds.JobFailed).Error("job {Job} failed: {Error}", e.Job.Name, record.Error);
                Notify(e.Job, NotificationKind.Failed, $"backup {e.Job.Name} on {Environment.MachineName} FAILED", $"Job {e.Job.Name} failed: {record.Error}", details);
                break;
        }

        UpdateStatus();
    }

    private static string ScanText(JobRunRecord record) => record.ScanKind == "journal"
        ? $"change journal scan, {record.DirectoriesVisited} directories visited"
        : $"full scan ({record.ScanReason}), {record.DirectoriesVisited} directories visited";

    private void OnOverdue(JobOverdue e)
    {
        var since = e.NeverSucceeded ? "never succeeded" : $"no success since {e.Since:yyyy-MM-dd HH:mm:ss zzz}";
        _log.ForContext("EventId", EventIds.JobOverdue).ForContext("Job", e.Job.Name).Warning("job {Job} is overdue: {Since}", e.Job.Name, since);
        Notify(e.Job, NotificationKind.Overdue, $"backup {e.Job.Name} on {Environment.MachineName} is OVERDUE", $"Job {e.Job.Name}: {since}.", new JsonObject { ["since"] = e.Since.ToString("o") });
    }

    /// <summary>Notifications go out in the background: a slow mail server must not hold up the queue.</summary>
    private void Notify(JobDefinition job, NotificationKind kind, string subject, string body, JsonObject details) =>
        _ = Task.Run(() => _notifier.NotifyAsync(job, kind, subject, body, details, CancellationToken.None));

    private void UpdateStatus()
    {
        var statuses = Queue.StatusAll();
        var running = statuses.Where(s => s.Activity == JobActivity.Running).Select(s => s.Job).ToList();
        var waiting = statuses.Count(s => s.Activity is JobActivity.Queued or JobActivity.WaitingForDestination);
        _systemd.Status(running.Count == 0
            ? $"{Configuration.Jobs.Count} job(s), idle{(waiting > 0 ? $", {waiting} waiting" : "")}"
            : $"running {string.Join(", ", running)}{(waiting > 0 ? $", {waiting} waiting" : "")}");
    }

    private async Task WatchdogAsync(CancellationToken stop)
    {
        if (_systemd.WatchdogInterval is not { } interval)
        {
            return;
        }

        while (!stop.IsCancellationRequested)
        {
            _systemd.Watchdog();
            await Task.Delay(interval, stop).ConfigureAwait(false);
        }
    }

    private static DaemonConfiguration LoadConfiguration(DaemonPaths paths, ILogger log)
    {
        var configuration = ConfigurationLoader.Load(paths.ConfigDirectory);
        foreach (var problem in configuration.AllProblems)
        {
            log.ForContext("EventId", EventIds.ConfigInvalid).Error("{Problem}", problem.ToString());
        }

        foreach (var job in configuration.DisabledJobs.Keys)
        {
            log.ForContext("EventId", EventIds.ConfigInvalid).ForContext("Job", job).Error("job {Job} is disabled until its file is fixed", job);
        }

        return configuration;
    }

    private static async Task IgnoreCancellation(Task task)
    {
        try
        {
            await task.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }
}
