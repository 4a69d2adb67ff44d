using System.CommandLine;
using System.Text;
using Backup.Core.Backends;
using Backup.Core.Backends.Local;
using Backup.Core.Repository;

namespace Backup.Cli;

/// <summary>Finds the repository and its password from options, environment or prompt, and opens it.</summary>
public static class RepositoryAccess
{
    public static IBackend Backend(ParseResult parse)
    {
        var location = parse.GetValue(GlobalOptions.Repository) ?? Environment.GetEnvironmentVariable("BACKUP_REPOSITORY");
        if (string.IsNullOrWhiteSpace(location))
        {
            throw new UsageException("no repository given: use -r/--repo or set BACKUP_REPOSITORY");
        }

        if (location.Contains("://", StringComparison.Ordinal) || location.StartsWith("sftp:", StringComparison.Ordinal) || location.StartsWith("rest:", StringComparison.Ordinal))
        {
            throw new UsageException($"repository \"{location}\": only local directories are supported by this version");
        }

        return new LocalBackend(location);
    }

    public static async Task<Repository> OpenAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        var backend = Backend(parse);

        // Probe for the config first so a mistyped path says "no repository", not "wrong password".
        if (await backend.StatAsync(FileType.Config, "config", cancellationToken).ConfigureAwait(false) is null)
        {
            throw new RepositoryNotFoundException($"{backend.Location}: no repository there (no config file); create one with 'backupctl init'");
        }

        var password = Password(parse, confirm: false, prompt: "enter password for repository: ");
        return await Repository.OpenAsync(backend, password, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>BACKUP_PASSWORD verbatim, else a password file (trimmed), else the terminal.</summary>
    public static byte[] Password(ParseResult parse, bool confirm, string prompt)
    {
        var file = parse.GetValue(GlobalOptions.PasswordFile) ?? Environment.GetEnvironmentVariable("BACKUP_PASSWORD_FILE");
        if (file is not null)
        {
            return ReadPasswordFile(file, "--password-file");
        }

        if (Environment.GetEnvironmentVariable("BACKUP_PASSWORD") is { } fromEnvironment)
        {
            return Encoding.UTF8.GetBytes(fromEnvironment);
        }

        return Prompt(prompt, confirm);
    }

    public static byte[] ReadPasswordFile(string file, string option)
    {
        try
        {
            return PasswordFile.Read(file, option);
        }
        catch (ArgumentException e)
        {
            throw new UsageException(e.Message);
        }
    }

    public static byte[] Prompt(string prompt, bool confirm)
    {
        if (Console.IsInputRedirected)
        {
            throw new UsageException("no password given: set BACKUP_PASSWORD or BACKUP_PASSWORD_FILE, or use --password-file (stdin is not a terminal, so there is no prompt)");
        }

        var first = ReadHidden(prompt);
        if (first.Length == 0)
        {
            throw new UsageException("an empty password is not allowed");
        }

        if (confirm && ReadHidden("enter password again: ") != first)
        {
            throw new UsageException("the passwords do not match");
        }

        return Encoding.UTF8.GetBytes(first);
    }

    private static string ReadHidden(string prompt)
    {
        Console.Error.Write(prompt);
        var text = new StringBuilder();
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter)
            {
                break;
            }

            if (key.Key == ConsoleKey.Backspace)
            {
                if (text.Length > 0)
                {
                    text.Length--;
                }

                continue;
            }

            text.Append(key.KeyChar);
        }

        Console.Error.WriteLine();
        return text.ToString();
    }
}
