using System.CommandLine;
using Backup.Core.Model;
using Backup.Core.Repository;

namespace Backup.Cli.Commands;

public static class InitCommand
{
    public static Command Create()
    {
        var command = new Command("init", "Create a new, empty repository (restic format version 2) at the --repo location.\nThe directory must not exist or be empty. Keep the password safe: without it the data cannot be read.");
        command.SetAction(async (parse, ct) =>
        {
            var backend = RepositoryAccess.Backend(parse);
            var password = RepositoryAccess.Password(parse, confirm: true, prompt: "enter password for new repository: ");
            var repository = await Repository.InitAsync(backend, password, null, ct).ConfigureAwait(false);
            if (parse.GetValue(GlobalOptions.Json))
            {
                Console.WriteLine($"{{\"message_type\":\"initialized\",\"id\":\"{repository.Config.Id}\",\"repository\":{GoJson.Quote(backend.Location)}}}");
            }
            else if (!parse.GetValue(GlobalOptions.Quiet))
            {
                Console.WriteLine($"created repository {repository.Config.Id[..10]} at {backend.Location}");
                Console.WriteLine("Without its password the data in it cannot be read: keep the password safe.");
            }

            return ExitCodes.Success;
        });
        return command;
    }
}
