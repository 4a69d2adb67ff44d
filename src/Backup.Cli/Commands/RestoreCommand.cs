using System.CommandLine;
using Backup.Cli.Output;
using Backup.Core.Repository;
using Backup.Core.Repository.Locking;
using Backup.Core.Restoring;
using Backup.Linux.FileSystem;

namespace Backup.Cli.Commands;

public static class RestoreCommand
{
    public static Command Create()
    {
        var snapshot = new Argument<string>("SNAPSHOT[:PATH]") { Description = "Snapshot ID, unique prefix, or \"latest\"; \":PATH\" restores only that path of the snapshot" };
        var target = new Option<string>("--target", "-t") { Description = "Directory to restore into (created if missing). Existing files there with the same names are replaced", HelpName = "DIR", Required = true };
        var host = new Option<string?>("--host", "-H") { Description = "With \"latest\": the latest snapshot of HOSTNAME", HelpName = "HOSTNAME" };
        var command = new Command("restore", "Restore a snapshot, or a path inside it, into a target directory.\n\nContents and metadata (mode, times, extended attributes and ACLs; owners when run as root) are restored,\nhard links are recreated and runs of zeros become holes. Names from the repository are never trusted:\nnothing is written outside the target.") { snapshot, target, host };
        command.SetAction(async (parse, ct) =>
        {
            var reference = parse.GetValue(snapshot)!;
            string? subPath = null;
            var colon = reference.IndexOf(':');
            if (colon >= 0)
            {
                subPath = reference[(colon + 1)..];
                reference = reference[..colon];
            }

            var repository = await RepositoryAccess.OpenAsync(parse, ct).ConfigureAwait(false);
            await using var repoLock = await RepositoryLock.AcquireAsync(repository, exclusive: false, ct).ConfigureAwait(false);
            await repository.LoadIndexAsync(ct).ConfigureAwait(false);
            var (id, sn) = await SnapshotStore.FindAsync(repository, reference, parse.GetValue(host), null, ct).ConfigureAwait(false);
            var quiet = parse.GetValue(GlobalOptions.Quiet) || parse.GetValue(GlobalOptions.Json);
            var restorer = new Restorer(repository, new LinuxFileSystem(), new RestoreOptions { Target = parse.GetValue(target)!, SubPath = subPath });
            using var progress = !quiet && Format.Interactive ? new ProgressLine() : null;
            progress?.Start(() => $"{restorer.FilesDone} files, {Format.Bytes(restorer.BytesDone)}");
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var result = await restorer.RunAsync(sn.Tree, ct).ConfigureAwait(false);
            progress?.Dispose();
            foreach (var error in result.Errors)
            {
                Console.Error.WriteLine($"error: {error}");
            }

            var s = result.Stats;
            if (parse.GetValue(GlobalOptions.Json))
            {
                Console.WriteLine($"{{\"message_type\":\"summary\",\"snapshot_id\":\"{id}\",\"files_restored\":{s.Files},\"dirs_restored\":{s.Directories},\"others_restored\":{s.Others},\"hard_links\":{s.HardLinks},\"bytes_restored\":{s.Bytes},\"errors\":{result.Errors.Count},\"total_duration\":{clock.Elapsed.TotalSeconds:0.###}}}");
            }
            else if (!quiet)
            {
                Console.WriteLine($"restored snapshot {id.ToShortString()}{(subPath is null ? "" : ":" + subPath)} to {parse.GetValue(target)}: {s.Files} files, {s.Directories} dirs, {s.Others} others, {s.HardLinks} hard links, {Format.Bytes(s.Bytes)} in {Format.Duration(clock.Elapsed)}");
            }

            if (result.Errors.Count > 0)
            {
                Console.Error.WriteLine($"backupctl: restore finished with {result.Errors.Count} error(s)");
                return ExitCodes.Failure;
            }

            return ExitCodes.Success;
        });
        return command;
    }
}
