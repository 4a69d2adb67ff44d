using System.CommandLine;
using System.Text.Json;
using Backup.Cli.Output;
using Backup.Core.Archiving;
using Backup.Linux.FileSystem;

namespace Backup.Cli.Commands;

public static class BackupCommand
{
    public static Command Create()
    {
        var paths = new Argument<string[]>("PATH") { Arity = ArgumentArity.OneOrMore, Description = "Files and directories to back up" };
        var exclude = new Option<string[]>("--exclude", "-e") { Description = "Exclude paths matching PATTERN (repeatable). \"/\"-anchored patterns match the absolute path, others any trailing part; * ? [..] within a name, ** across directories", HelpName = "PATTERN", AllowMultipleArgumentsPerToken = false };
        var excludeFile = new Option<string[]>("--exclude-file") { Description = "Read exclude patterns from FILE, one per line (# starts a comment; repeatable)", HelpName = "FILE" };
        var excludeCaches = new Option<bool>("--exclude-caches") { Description = "Skip the contents of directories that contain a CACHEDIR.TAG file with the standard signature; the directory and its tag file are kept, as restic and GNU tar do" };
        var oneFileSystem = new Option<bool>("--one-file-system", "-x") { Description = "Do not descend into other filesystems (mount points are kept as empty directories)" };
        var parent = new Option<string?>("--parent") { Description = "Use SNAPSHOT as the parent for change detection (default: latest snapshot of this host with the same paths)", HelpName = "SNAPSHOT" };
        var force = new Option<bool>("--force", "-f") { Description = "Read all files, even those the parent snapshot shows unchanged" };
        var tags = new Option<string[]>("--tag") { Description = "Add TAG to the snapshot (repeatable)", HelpName = "TAG" };
        var host = new Option<string?>("--host", "-H") { Description = "Record HOSTNAME in the snapshot (default: this machine's name)", HelpName = "HOSTNAME" };
        var withAtime = new Option<bool>("--with-atime") { Description = "Store the files' access times (default: access time = modification time, as restic)" };

        var command = new Command("backup", "Back up files and directories into a new snapshot.\n\nFiles unchanged since the parent snapshot (same type, size, mtime, ctime and inode) are not read again.\nUnreadable files are reported, left out, and the exit code is 3; the snapshot is still written.")
        {
            paths, exclude, excludeFile, excludeCaches, oneFileSystem, parent, force, tags, host, withAtime,
        };
        command.SetAction(async (parse, ct) =>
        {
            var filter = new ExcludeFilter();
            foreach (var pattern in parse.GetValue(exclude) ?? [])
            {
                filter.Add(pattern, "--exclude");
            }

            foreach (var file in parse.GetValue(excludeFile) ?? [])
            {
                filter.AddFile(file);
            }

            var request = new BackupRequest
            {
                Archiver = new ArchiverOptions
                {
                    Paths = parse.GetValue(paths)!,
                    Excludes = filter,
                    ExcludeCaches = parse.GetValue(excludeCaches),
                    OneFileSystem = parse.GetValue(oneFileSystem),
                    WithAtime = parse.GetValue(withAtime),
                },
                Hostname = parse.GetValue(host) ?? Environment.MachineName,
                Tags = parse.GetValue(tags) ?? [],
                Parent = parse.GetValue(parent),
                Force = parse.GetValue(force),
                ProgramVersion = "backupctl " + typeof(BackupCommand).Assembly.GetName().Version,
            };

            var json = parse.GetValue(GlobalOptions.Json);
            var quiet = parse.GetValue(GlobalOptions.Quiet);
            var repository = await RepositoryAccess.OpenAsync(parse, ct).ConfigureAwait(false);
            using var progress = !json && !quiet && Format.Interactive ? new ProgressLine() : null;
            using var stopScan = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var fileSystem = new LinuxFileSystem();
            var scanner = progress is null ? null : new Scanner(fileSystem, request.Archiver);
            _ = scanner?.RunAsync(stopScan.Token).ContinueWith(_ => { }, TaskScheduler.Default);
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var summary = await BackupOperation.RunAsync(
                repository,
                fileSystem,
                request,
                archiver => progress?.Start(() => Describe(archiver.Progress, scanner!, clock.Elapsed)),
                ct).ConfigureAwait(false);
            stopScan.Cancel();
            progress?.Dispose();

            foreach (var warning in summary.Warnings)
            {
                Console.Error.WriteLine($"warning: {warning}");
            }

            if (json)
            {
                Console.WriteLine(SummaryJson(summary));
            }
            else if (!quiet)
            {
                var s = summary.Stats;
                Console.WriteLine($"Files:       {s.FilesNew} new, {s.FilesChanged} changed, {s.FilesUnmodified} unmodified");
                Console.WriteLine($"Dirs:        {s.DirsNew} new, {s.DirsChanged} changed, {s.DirsUnmodified} unmodified");
                Console.WriteLine($"Added to the repository: {Format.Bytes(summary.DataAdded)} ({Format.Bytes(summary.DataAddedPacked)} stored)");
                Console.WriteLine($"processed {s.TotalFilesProcessed} files, {Format.Bytes(s.TotalBytesProcessed)} in {Format.Duration(summary.Duration)}");
                Console.WriteLine($"snapshot {summary.SnapshotId.ToShortString()} saved");
            }

            if (summary.Warnings.Count > 0)
            {
                Console.Error.WriteLine($"backupctl: {summary.Warnings.Count} source(s) could not be read and are not in snapshot {summary.SnapshotId.ToShortString()}");
                return ExitCodes.PartialBackup;
            }

            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>restic's summary line, plus byte counts per category and the snapshot ID.</summary>
    public static string SummaryJson(BackupSummary summary)
    {
        var s = summary.Stats;
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream))
        {
            w.WriteStartObject();
            w.WriteString("message_type", "summary");
            w.WriteNumber("files_new", s.FilesNew);
            w.WriteNumber("files_changed", s.FilesChanged);
            w.WriteNumber("files_unmodified", s.FilesUnmodified);
            w.WriteNumber("dirs_new", s.DirsNew);
            w.WriteNumber("dirs_changed", s.DirsChanged);
            w.WriteNumber("dirs_unmodified", s.DirsUnmodified);
            w.WriteNumber("bytes_new", s.BytesNew);
            w.WriteNumber("bytes_changed", s.BytesChanged);
            w.WriteNumber("bytes_unmodified", s.BytesUnmodified);
            w.WriteNumber("data_blobs", summary.DataBlobs);
            w.WriteNumber("tree_blobs", summary.TreeBlobs);
            w.WriteNumber("data_added", summary.DataAdded);
            w.WriteNumber("data_added_packed", summary.DataAddedPacked);
            w.WriteNumber("total_files_processed", s.TotalFilesProcessed);
            w.WriteNumber("total_bytes_processed", s.TotalBytesProcessed);
            w.WriteNumber("total_duration", Math.Round(summary.Duration.TotalSeconds, 3));
            w.WriteNumber("warnings", summary.Warnings.Count);
            w.WriteString("snapshot_id", summary.SnapshotId.ToString());
            if (summary.ParentId is { } parentId)
            {
                w.WriteString("parent", parentId.ToString());
            }

            w.WriteStartObject("scan");
            w.WriteString("kind", summary.Scan.Kind);
            w.WriteString("reason", summary.Scan.Reason);
            w.WriteNumber("directories_visited", summary.Scan.DirectoriesVisited);
            w.WriteEndObject();
            w.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>"1234/5000 files, 1.2 GiB/3.4 GiB 35%, 80 MiB/s, ETA 0:28" — totals and ETA once the scan has counted them.</summary>
    private static string Describe(ArchiveProgress p, Scanner scanner, TimeSpan elapsed)
    {
        var rate = elapsed.TotalSeconds > 0 ? p.Bytes / elapsed.TotalSeconds : 0;
        var text = $"{p.Files}{(scanner.Finished ? "/" + scanner.Files : "")} files, {Format.Bytes(p.Bytes)}";
        if (scanner.Finished && scanner.Bytes > 0)
        {
            var fraction = Math.Min(1.0, (double)p.Bytes / scanner.Bytes);
            text += $"/{Format.Bytes(scanner.Bytes)} {fraction:P0}";
            if (rate > 0)
            {
                text += $", ETA {Format.Duration(TimeSpan.FromSeconds(Math.Max(0, scanner.Bytes - p.Bytes) / rate))}";
            }
        }

        return $"{text}, {Format.Bytes(rate)}/s {(p.CurrentPath is { } c ? Truncate(c, 40) : "")}";
    }

    private static string Truncate(string s, int max) => s.Length <= max ? s : "…" + s[^(max - 1)..];
}
