using System.CommandLine;
using Backup.Core.Backends;
using Backup.Core.Repository.Locking;

namespace Backup.Cli.Commands;

public static class UnlockCommand
{
    public static Command Create()
    {
        var all = new Option<bool>("--remove-all") { Description = "Remove all locks, also those of processes that may still be running" };
        var command = new Command("unlock", "Remove stale locks: locks older than 30 minutes, or of processes on this host that are gone.") { all };
        command.SetAction(async (parse, ct) =>
        {
            var repository = await RepositoryAccess.OpenAsync(parse, ct).ConfigureAwait(false);
            var removeAll = parse.GetValue(all);
            var now = DateTimeOffset.Now;
            var removed = 0;
            foreach (var (id, lockFile) in await RepositoryLock.ListAsync(repository, ct).ConfigureAwait(false))
            {
                if (removeAll || lockFile is null || lockFile.IsStale(now))
                {
                    await repository.Backend.RemoveAsync(FileType.Lock, id.ToString(), ct).ConfigureAwait(false);
                    removed++;
                }
            }

            if (!parse.GetValue(GlobalOptions.Quiet))
            {
                Console.WriteLine($"removed {removed} lock(s)");
            }

            return ExitCodes.Success;
        });
        return command;
    }
}
