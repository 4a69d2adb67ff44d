using System.CommandLine;
using Backup.Core.Checking;
using Backup.Core.Repository.Locking;

namespace Backup.Cli.Commands;

public static class CheckCommand
{
    public static Command Create()
    {
        var readData = new Option<bool>("--read-data") { Description = "Also read every pack: verify its hash, its header against the index, and every blob's authentication code and ID" };
        var command = new Command("check", "Check the repository for errors: index against packs, and every tree and data blob that a snapshot references.\nExits 1 and names each damaged object when a problem is found. Takes an exclusive lock.") { readData };
        command.SetAction(async (parse, ct) =>
        {
            var repository = await RepositoryAccess.OpenAsync(parse, ct).ConfigureAwait(false);
            await using var repoLock = await RepositoryLock.AcquireAsync(repository, exclusive: true, ct).ConfigureAwait(false);
            var quiet = parse.GetValue(GlobalOptions.Quiet);
            var checker = new Checker(repository) { Progress = quiet ? null : step => Console.WriteLine(step) };
            var result = await checker.RunAsync(parse.GetValue(readData), ct).ConfigureAwait(false);
            foreach (var note in result.Notes)
            {
                if (!quiet)
                {
                    Console.WriteLine($"note: {note}");
                }
            }

            foreach (var error in result.Errors)
            {
                Console.Error.WriteLine($"error: {error}");
            }

            if (!result.Ok)
            {
                Console.Error.WriteLine($"backupctl: check found {result.Errors.Count} error(s) in {repository.Location}");
                return ExitCodes.Failure;
            }

            if (!quiet)
            {
                Console.WriteLine("no errors were found");
            }

            return ExitCodes.Success;
        });
        return command;
    }
}
