using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Backup.Core.Archiving;
using Backup.Daemon.Configuration;
using Backup.Daemon.Scheduling;
using Backup.Daemon.State;
using Backup.Linux.Control;

namespace Backup.Daemon.Control;

/// <summary>Answers backupctl's requests from the daemon's queue, scheduler and history.</summary>
public sealed class DaemonControlHandler : IControlHandler
{
    private static readonly HashSet<string> Mutating = new(StringComparer.Ordinal) { "run", "cancel", "reload" };

    private readonly BackupDaemon _daemon;

    public DaemonControlHandler(BackupDaemon daemon)
    {
        _daemon = daemon;
    }

    /// <summary>The archiver of each running job, so waiting clients can be shown progress.</summary>
    public ConcurrentDictionary<string, Archiver> Running { get; } = new(StringComparer.Ordinal);

    public bool IsMutating(string method) => Mutating.Contains(method);

    public async Task HandleAsync(ControlRequest request, ControlResponder responder, CancellationToken cancellationToken)
    {
        switch (request.Method)
        {
            case "jobs":
                await responder.ResultAsync(JobsJson(), cancellationToken).ConfigureAwait(false);
                break;
            case "status":
                if (await ResolveJobAsync(request, responder, cancellationToken).ConfigureAwait(false) is { } definition)
                {
                    var status = JobJson(definition);
                    status["history"] = new JsonArray(_daemon.State.History(definition.Name, 5).Select(RunJson).ToArray<JsonNode?>());
                    status["journal"] = _daemon.Journal?.Status(definition) ?? new JsonObject { ["watching"] = false, ["error"] = "the change journal is off" };
                    await responder.ResultAsync(status, cancellationToken).ConfigureAwait(false);
                }

                break;
            case "daemon_status":
                await responder.ResultAsync(_daemon.StatusJson(), cancellationToken).ConfigureAwait(false);
                break;
            case "history":
                if (await ResolveJobAsync(request, responder, cancellationToken).ConfigureAwait(false) is { } historyJob)
                {
                    var limit = request.Parameters["limit"] is JsonValue l && l.TryGetValue<int>(out var n) ? Math.Clamp(n, 1, 10_000) : 20;
                    var runs = _daemon.State.History(historyJob.Name, limit).Select(RunJson).ToArray<JsonNode?>();
                    await responder.ResultAsync(new JsonObject { ["runs"] = new JsonArray(runs) }, cancellationToken).ConfigureAwait(false);
                }

                break;
            case "run":
                await RunAsync(request, responder, cancellationToken).ConfigureAwait(false);
                break;
            case "cancel":
                if (await ResolveJobAsync(request, responder, cancellationToken).ConfigureAwait(false) is { } cancelJob)
                {
                    var outcome = _daemon.Queue.Cancel(cancelJob.Name);
                    await responder.ResultAsync(new JsonObject { ["cancelled"] = Snake(outcome.ToString()) }, cancellationToken).ConfigureAwait(false);
                }

                break;
            case "reload":
                var configuration = _daemon.Reload();
                await responder.ResultAsync(ReloadJson(configuration), cancellationToken).ConfigureAwait(false);
                break;
            default:
                await responder.ErrorAsync(ControlErrors.UnknownMethod, $"unknown method \"{request.Method}\"; this backupd knows jobs, status, daemon_status, history, run, cancel, reload", cancellationToken).ConfigureAwait(false);
                break;
        }
    }

    /// <summary>The job named by the request's "job" parameter; otherwise answers with the error and returns null.</summary>
    private async Task<JobDefinition?> ResolveJobAsync(ControlRequest request, ControlResponder responder, CancellationToken cancellationToken)
    {
        if (request.Parameters["job"] is not JsonValue v || !v.TryGetValue<string>(out var name) || name.Length == 0)
        {
            await responder.ErrorAsync(ControlErrors.BadRequest, $"\"{request.Method}\" needs a \"job\" parameter", cancellationToken).ConfigureAwait(false);
            return null;
        }

        var config = _daemon.Configuration;
        if (config.Jobs.FirstOrDefault(j => j.Name == name) is { } job)
        {
            return job;
        }

        if (config.DisabledJobs.TryGetValue(name, out var problems))
        {
            await responder.ErrorAsync(ControlErrors.JobDisabled, $"job \"{name}\" is disabled because its file is invalid:\n{string.Join('\n', problems)}", cancellationToken).ConfigureAwait(false);
            return null;
        }

        var known = config.Jobs.Select(j => j.Name).Concat(config.DisabledJobs.Keys).Order().ToList();
        await responder.ErrorAsync(ControlErrors.NoSuchJob, $"no job named \"{name}\" in {_daemon.Paths.ConfigDirectory}/jobs.d/ (known jobs: {(known.Count == 0 ? "none" : string.Join(", ", known))})", cancellationToken).ConfigureAwait(false);
        return null;
    }

    private async Task RunAsync(ControlRequest request, ControlResponder responder, CancellationToken cancellationToken)
    {
        if (await ResolveJobAsync(request, responder, cancellationToken).ConfigureAwait(false) is not { } job)
        {
            return;
        }

        var name = job.Name;
        var wait = request.Parameters["wait"] is JsonValue w && w.TryGetValue<bool>(out var b) && b;
        var full = request.Parameters["full"] is JsonValue f && f.TryGetValue<bool>(out var fb) && fb;

        // The queue says which run covers this request: the one running or queued, or one that follows the running one.
        var outcome = _daemon.Queue.Enqueue(job, TriggerKind.Manual, full, out var covering);
        if (outcome == EnqueueOutcome.Stopping)
        {
            await responder.ErrorAsync(ControlErrors.Internal, "backupd is stopping and takes no new runs", cancellationToken).ConfigureAwait(false);
            return;
        }

        if (!wait)
        {
            await responder.ResultAsync(new JsonObject { ["queued"] = Snake(outcome.ToString()) }, cancellationToken).ConfigureAwait(false);
            return;
        }

        var lastState = "";
        while (!covering.IsCompleted)
        {
            var activity = Snake(_daemon.Queue.Status(name).Activity.ToString());
            if (activity != lastState)
            {
                lastState = activity;
                await responder.EventAsync("state", new JsonObject { ["state"] = activity }, cancellationToken).ConfigureAwait(false);
            }

            if (Running.TryGetValue(name, out var archiver))
            {
                var p = archiver.Progress;
                await responder.EventAsync("progress", new JsonObject { ["files"] = p.Files, ["bytes"] = p.Bytes, ["path"] = p.CurrentPath }, cancellationToken).ConfigureAwait(false);
            }

            await Task.WhenAny(covering, Task.Delay(TimeSpan.FromSeconds(1), cancellationToken)).ConfigureAwait(false);
        }

        if (!covering.IsCompletedSuccessfully)
        {
            await responder.ErrorAsync(ControlErrors.Internal, $"job {name}: the run was removed from the queue before it started (cancelled, or backupd is stopping)", cancellationToken).ConfigureAwait(false);
            return;
        }

        await responder.ResultAsync(RunJson(covering.Result), cancellationToken).ConfigureAwait(false);
    }

    private JsonObject JobsJson()
    {
        var config = _daemon.Configuration;
        var disabled = new JsonObject();
        foreach (var (name, problems) in config.DisabledJobs)
        {
            disabled[name] = new JsonArray(problems.Select(p => (JsonNode?)p.ToString()).ToArray());
        }

        return new JsonObject
        {
            ["jobs"] = new JsonArray(config.Jobs.Select(j => (JsonNode?)JobJson(j)).ToArray()),
            ["disabled"] = disabled,
        };
    }

    private JsonObject JobJson(JobDefinition job)
    {
        var queue = _daemon.Queue.Status(job.Name);
        var schedule = _daemon.Scheduler.Status(job.Name);
        var last = _daemon.State.LastRun(job.Name);
        return new JsonObject
        {
            ["name"] = job.Name,
            ["state"] = Snake(queue.Activity.ToString()),
            ["since"] = queue.Since?.ToString("o"),
            ["repository"] = job.Repository,
            ["sources"] = new JsonArray(job.Sources.Select(s => (JsonNode?)s).ToArray()),
            ["schedule"] = job.Schedule?.ToString(),
            ["next_run"] = schedule?.NextRun?.ToString("o"),
            ["overdue_since"] = schedule?.OverdueRaised?.ToString("o"),
            ["last_success"] = _daemon.State.LastSuccess(job.Name)?.ToString("o"),
            ["last_run"] = last is null ? null : RunJson(last),
        };
    }

    public static JsonObject RunJson(JobRunRecord run) => new()
    {
        ["id"] = run.Id,
        ["job"] = run.Job,
        ["trigger"] = Snake(run.Trigger.ToString()),
        ["started"] = run.Started.ToString("o"),
        ["ended"] = run.Ended?.ToString("o"),
        ["result"] = Snake(run.Result.ToString()),
        ["snapshot_id"] = run.SnapshotId,
        ["files_new"] = run.FilesNew,
        ["files_changed"] = run.FilesChanged,
        ["files_unmodified"] = run.FilesUnmodified,
        ["bytes_new"] = run.BytesNew,
        ["bytes_changed"] = run.BytesChanged,
        ["bytes_unmodified"] = run.BytesUnmodified,
        ["error"] = run.Error,
        ["scan"] = run.ScanKind is null ? null : new JsonObject
        {
            ["kind"] = run.ScanKind,
            ["reason"] = run.ScanReason,
            ["directories_visited"] = run.DirectoriesVisited,
        },
    };

    public static JsonObject ReloadJson(DaemonConfiguration configuration)
    {
        var disabled = new JsonObject();
        foreach (var (name, problems) in configuration.DisabledJobs)
        {
            disabled[name] = new JsonArray(problems.Select(p => (JsonNode?)p.ToString()).ToArray());
        }

        return new JsonObject
        {
            ["jobs"] = configuration.Jobs.Count,
            ["disabled"] = disabled,
            ["global_problems"] = new JsonArray(configuration.GlobalProblems.Select(p => (JsonNode?)p.ToString()).ToArray()),
        };
    }

    /// <summary>"WaitingForDestination" -> "waiting_for_destination".</summary>
    public static string Snake(string pascal) =>
        string.Concat(pascal.Select((c, i) => char.IsUpper(c) ? (i > 0 ? "_" : "") + char.ToLowerInvariant(c) : c.ToString()));
}
