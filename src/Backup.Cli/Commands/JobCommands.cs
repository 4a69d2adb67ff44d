using System.CommandLine;
using System.Text.Json.Nodes;
using Backup.Cli.Output;
using Backup.Linux.Control;

namespace Backup.Cli.Commands;

/// <summary>Job control through backupd: jobs, status, run, cancel, history, reload.</summary>
public static class JobCommands
{
    public static IEnumerable<Command> Create()
    {
        yield return Jobs();
        yield return Status();
        yield return Run();
        yield return Cancel();
        yield return History();
        yield return Reload();
    }

    /// <summary>
    /// The daemon is called with blocking socket calls (see <see cref="ControlClient"/>); the token is
    /// the one Ctrl-C and SIGTERM cancel.
    /// </summary>
    private static void SetBlockingAction(Command command, Func<ParseResult, CancellationToken, int> action) =>
        command.SetAction((parse, ct) => Task.FromResult(action(parse, ct)));

    private static Command Jobs()
    {
        var command = new Command("jobs", "List backupd's jobs with their state, last result and next run.");
        SetBlockingAction(command, (parse, ct) =>
        {
            var result = DaemonAccess.Call(parse, "jobs", null, null, ct);
            if (parse.GetValue(GlobalOptions.Json))
            {
                Console.WriteLine(result?.ToJsonString());
                return ExitCodes.Success;
            }

            Console.WriteLine($"{"JOB",-16} {"STATE",-22} {"LAST RUN",-20} {"RESULT",-12} {"NEXT RUN",-20}");
            foreach (var job in result?["jobs"]?.AsArray() ?? [])
            {
                var last = job!["last_run"] as JsonObject;
                Console.WriteLine($"{Text(job, "name"),-16} {Text(job, "state"),-22} {Time(last?["started"]),-20} {Text(last, "result"),-12} {Time(job["next_run"]),-20}");
            }

            foreach (var (name, problems) in result?["disabled"]?.AsObject() ?? [])
            {
                Console.WriteLine($"{name,-16} {"disabled",-22} {Text(problems?.AsArray().FirstOrDefault(), null)}");
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Status()
    {
        var job = new Argument<string?>("JOB") { Arity = ArgumentArity.ZeroOrOne, Description = "A job; without it, the daemon's own status" };
        var command = new Command("status", "Show a job's state, last runs and next run, or the daemon's status.") { job };
        SetBlockingAction(command, (parse, ct) =>
        {
            var name = parse.GetValue(job);
            var result = DaemonAccess.Call(parse, name is null ? "daemon_status" : "status", name is null ? null : new JsonObject { ["job"] = name }, null, ct);
            if (parse.GetValue(GlobalOptions.Json) || result is not JsonObject obj)
            {
                Console.WriteLine(result?.ToJsonString());
                return ExitCodes.Success;
            }

            foreach (var (key, value) in obj)
            {
                if (key != "journal")
                {
                    Console.WriteLine($"{key,-16} {(value is JsonValue ? value.ToString() : value?.ToJsonString())}");
                }
            }

            if (obj["journal"] is JsonObject journal)
            {
                WriteJournal(journal);
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Run()
    {
        var job = new Argument<string>("JOB") { Description = "The job to run" };
        var wait = new Option<bool>("--wait", "-w") { Description = "Wait until the run ends, showing progress; the exit code is the run's result (0, 3 partial, 1 failed)" };
        var full = new Option<bool>("--full") { Description = "Scan the whole of the job's sources instead of only the directories the change journal recorded as changed (files whose size, times and inode are unchanged are still not read)" };
        var command = new Command("run", "Ask backupd to run a job now (it joins the queue; a job already queued or running is not started twice, except that --full while a run without it is running queues a full run after it).") { job, wait, full };
        SetBlockingAction(command, (parse, ct) =>
        {
            var json = parse.GetValue(GlobalOptions.Json);
            var waiting = parse.GetValue(wait);
            using var progress = waiting && !json && !parse.GetValue(GlobalOptions.Quiet) && Format.Interactive ? new ProgressLine() : null;
            var latest = "queued";
            progress?.Start(() => latest);
            JsonNode? result;
            try
            {
                result = DaemonAccess.Call(
                parse,
                "run",
                new JsonObject { ["job"] = parse.GetValue(job), ["wait"] = waiting, ["full"] = parse.GetValue(full) },
                e => latest = e["event"]?.GetValue<string>() == "progress"
                    ? $"{e["files"]} files, {Format.Bytes(e["bytes"]?.GetValue<long>() ?? 0)} {e["path"]}"
                    : $"{e["state"] ?? e["event"]}",
                ct);
            }
            catch (OperationCanceledException) when (waiting)
            {
                // Interrupted while waiting: the run belongs to the daemon, so ask it to stop the job too.
                progress?.Dispose();
                DaemonAccess.Call(parse, "cancel", new JsonObject { ["job"] = parse.GetValue(job) }, null, CancellationToken.None);
                Console.Error.WriteLine($"backupctl: interrupted; asked backupd to cancel job {parse.GetValue(job)}");
                return ExitCodes.Interrupted;
            }

            progress?.Dispose();
            if (json)
            {
                Console.WriteLine(result?.ToJsonString());
            }

            if (!waiting)
            {
                if (!json)
                {
                    Console.WriteLine($"job {parse.GetValue(job)}: {Text(result, "queued")}");
                }

                return ExitCodes.Success;
            }

            var outcome = Text(result, "result");
            if (!json)
            {
                Console.WriteLine($"job {parse.GetValue(job)}: {outcome}{(result?["snapshot_id"] is { } id ? $", snapshot {id.ToString()[..8]}" : "")}{(result?["error"] is { } error ? $": {error}" : "")}");
                if (result?["scan"] is JsonObject scan)
                {
                    Console.WriteLine(Text(scan, "kind") == "journal"
                        ? $"scan: change journal, {scan["directories_visited"]} directories visited"
                        : $"scan: full ({Text(scan, "reason")}), {scan["directories_visited"]} directories visited");
                }
            }

            return outcome switch
            {
                "success" => ExitCodes.Success,
                "partial" => ExitCodes.PartialBackup,
                "cancelled" => ExitCodes.Interrupted,
                _ => ExitCodes.Failure,
            };
        });
        return command;
    }

    private static Command Cancel()
    {
        var job = new Argument<string>("JOB") { Description = "The job to cancel" };
        var command = new Command("cancel", "Cancel a queued or running job. A running backup stops cleanly: what was stored is kept for the next run, the lock is released.") { job };
        SetBlockingAction(command, (parse, ct) =>
        {
            var result = DaemonAccess.Call(parse, "cancel", new JsonObject { ["job"] = parse.GetValue(job) }, null, ct);
            Console.WriteLine(parse.GetValue(GlobalOptions.Json) ? result?.ToJsonString() : $"job {parse.GetValue(job)}: {Text(result, "cancelled")}");
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command History()
    {
        var job = new Argument<string>("JOB") { Description = "The job" };
        var limit = new Option<int>("--limit", "-n") { Description = "How many runs, newest first", DefaultValueFactory = _ => 20 };
        var command = new Command("history", "Show a job's past runs: trigger, start, duration, result, snapshot and counts.") { job, limit };
        SetBlockingAction(command, (parse, ct) =>
        {
            var result = DaemonAccess.Call(parse, "history", new JsonObject { ["job"] = parse.GetValue(job), ["limit"] = parse.GetValue(limit) }, null, ct);
            if (parse.GetValue(GlobalOptions.Json))
            {
                Console.WriteLine(result?.ToJsonString());
                return ExitCodes.Success;
            }

            Console.WriteLine($"{"STARTED",-20} {"TRIGGER",-9} {"RESULT",-12} {"SNAPSHOT",-9} {"NEW",7} {"CHANGED",8} {"UNMOD",8}  ERROR");
            foreach (var run in result?["runs"]?.AsArray() ?? [])
            {
                Console.WriteLine($"{Time(run!["started"]),-20} {Text(run, "trigger"),-9} {Text(run, "result"),-12} {Text(run, "snapshot_id").PadRight(8)[..8],-9} {Text(run, "files_new"),7} {Text(run, "files_changed"),8} {Text(run, "files_unmodified"),8}  {Text(run, "error")}");
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Reload()
    {
        var command = new Command("reload", "Make backupd read its configuration again. Invalid job files disable only their own job.");
        SetBlockingAction(command, (parse, ct) =>
        {
            var result = DaemonAccess.Call(parse, "reload", null, null, ct);
            if (parse.GetValue(GlobalOptions.Json))
            {
                Console.WriteLine(result?.ToJsonString());
                return ExitCodes.Success;
            }

            Console.WriteLine($"reloaded: {Text(result, "jobs")} job(s)");
            foreach (var (name, problems) in result?["disabled"]?.AsObject() ?? [])
            {
                foreach (var problem in problems?.AsArray() ?? [])
                {
                    Console.Error.WriteLine($"{problem} (job {name} disabled)");
                }
            }

            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>The change journal's part of a job's status, in words.</summary>
    private static void WriteJournal(JsonObject journal)
    {
        var watching = journal["watching"] is JsonValue w && w.TryGetValue<bool>(out var b) && b;
        Console.WriteLine($"{"journal",-16} {(watching ? $"watching since {Time(journal["watching_since"])}" : $"not watching{(journal["error"] is { } e ? $": {e}" : "")}")}");
        if (journal["dirty_directories"] is { } dirty)
        {
            Console.WriteLine($"{"",-16} {dirty} changed director{(dirty.ToString() == "1" ? "y" : "ies")} since the last backup");
        }

        if (journal["next_scan"] is JsonObject next)
        {
            Console.WriteLine($"{"",-16} next run: {(Text(next, "kind") == "journal" ? "only the changed directories" : $"full scan, because {Text(next, "reason")}")}");
        }
    }

    private static string Text(JsonNode? node, string? key)
    {
        var value = key is null ? node : node?[key];
        return value is null ? "" : value is JsonValue v && v.TryGetValue<string>(out var s) ? s : value.ToJsonString();
    }

    private static string Time(JsonNode? node) =>
        node is JsonValue v && v.TryGetValue<string>(out var s) && DateTimeOffset.TryParse(s, out var t) ? t.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss") : "-";
}
