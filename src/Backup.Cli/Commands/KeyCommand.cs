using System.CommandLine;
using Backup.Core.Backends;
using Backup.Core.Crypto;
using Backup.Core.Model;
using Backup.Core.Repository.Locking;

namespace Backup.Cli.Commands;

public static class KeyCommand
{
    public static Command Create()
    {
        var newPasswordFile = new Option<string?>("--new-password-file") { Description = "Read the new password from FILE instead of prompting", HelpName = "FILE" };
        var command = new Command("key", "Manage the repository's keys (passwords). Each key wraps the same master key, so any of them opens the repository.");

        var list = new Command("list", "List the keys; the one used now is marked with *");
        list.SetAction(async (parse, ct) =>
        {
            var repository = await RepositoryAccess.OpenAsync(parse, ct).ConfigureAwait(false);
            var json = parse.GetValue(GlobalOptions.Json);
            var rows = new List<string>();
            await foreach (var id in repository.ListIdsAsync(FileType.Key, ct).ConfigureAwait(false))
            {
                var key = KeyFile.Parse(await repository.Backend.LoadAsync(FileType.Key, id.ToString(), 0, 0, ct).ConfigureAwait(false));
                var current = id == repository.KeyId;
                rows.Add(json
                    ? $"{{\"current\":{(current ? "true" : "false")},\"id\":\"{id}\",\"userName\":{GoJson.Quote(key.Username)},\"hostName\":{GoJson.Quote(key.Hostname)},\"created\":\"{key.Created}\"}}"
                    : $"{(current ? "*" : " ")}{id.ToShortString()}  {key.Username,-12} {key.Hostname,-20} {key.Created}");
            }

            Console.WriteLine(json ? "[" + string.Join(',', rows) + "]" : " ID        User         Host                 Created\n" + string.Join('\n', rows));
            return ExitCodes.Success;
        });

        var add = new Command("add", "Add a key with a new password") { newPasswordFile };
        add.SetAction(async (parse, ct) =>
        {
            var repository = await RepositoryAccess.OpenAsync(parse, ct).ConfigureAwait(false);
            await using var repoLock = await RepositoryLock.AcquireAsync(repository, exclusive: true, ct).ConfigureAwait(false);
            var id = await repository.AddKeyAsync(NewPassword(parse, newPasswordFile), Environment.UserName, Environment.MachineName, null, ct).ConfigureAwait(false);
            Console.WriteLine($"saved new key {id.ToShortString()}");
            return ExitCodes.Success;
        });

        var keyId = new Argument<string>("ID") { Description = "The key to remove (an ID or unique prefix from 'key list')" };
        var remove = new Command("remove", "Remove a key. The key in use cannot be removed: use another password to remove it.") { keyId };
        remove.SetAction(async (parse, ct) =>
        {
            var repository = await RepositoryAccess.OpenAsync(parse, ct).ConfigureAwait(false);
            await using var repoLock = await RepositoryLock.AcquireAsync(repository, exclusive: true, ct).ConfigureAwait(false);
            var prefix = parse.GetValue(keyId)!.ToLowerInvariant();
            var matches = new List<Id>();
            await foreach (var id in repository.ListIdsAsync(FileType.Key, ct).ConfigureAwait(false))
            {
                if (id.ToString().StartsWith(prefix, StringComparison.Ordinal))
                {
                    matches.Add(id);
                }
            }

            if (matches.Count != 1)
            {
                throw new UsageException(matches.Count == 0 ? $"no key {prefix} in {repository.Location}" : $"key prefix {prefix} is ambiguous");
            }

            if (matches[0] == repository.KeyId)
            {
                throw new UsageException($"key {matches[0].ToShortString()} is the one in use; open the repository with another password to remove it");
            }

            await repository.Backend.RemoveAsync(FileType.Key, matches[0].ToString(), ct).ConfigureAwait(false);
            Console.WriteLine($"removed key {matches[0].ToShortString()}");
            return ExitCodes.Success;
        });

        var passwd = new Command("passwd", "Change the password: add a key with the new password, then remove the key in use") { newPasswordFile };
        passwd.SetAction(async (parse, ct) =>
        {
            var repository = await RepositoryAccess.OpenAsync(parse, ct).ConfigureAwait(false);
            await using var repoLock = await RepositoryLock.AcquireAsync(repository, exclusive: true, ct).ConfigureAwait(false);
            var id = await repository.AddKeyAsync(NewPassword(parse, newPasswordFile), Environment.UserName, Environment.MachineName, null, ct).ConfigureAwait(false);
            await repository.Backend.RemoveAsync(FileType.Key, repository.KeyId.ToString(), ct).ConfigureAwait(false);
            Console.WriteLine($"saved new key {id.ToShortString()} and removed the old key {repository.KeyId.ToShortString()}");
            return ExitCodes.Success;
        });

        command.Subcommands.Add(list);
        command.Subcommands.Add(add);
        command.Subcommands.Add(remove);
        command.Subcommands.Add(passwd);
        return command;
    }

    private static byte[] NewPassword(System.CommandLine.ParseResult parse, Option<string?> option) =>
        parse.GetValue(option) is { } file
            ? RepositoryAccess.ReadPasswordFile(file, "--new-password-file")
            : RepositoryAccess.Prompt("enter new password: ", confirm: true);
}
