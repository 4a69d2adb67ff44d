using System.CommandLine;
using Backup.Cli.Commands;
using Backup.Core.Backends;
using Backup.Core.Repository;

namespace Backup.Cli;

/// <summary>Builds the command tree and turns failures into one clear line and an exit code.</summary>
public static class CliApplication
{
    public static async Task<int> RunAsync(string[] args)
    {
        var root = new RootCommand(
            "backupctl - back up, restore and check repositories in the restic v2 format.\n\n" +
            "The repository is given with -r/--repo or BACKUP_REPOSITORY; its password with BACKUP_PASSWORD,\n" +
            "--password-file or BACKUP_PASSWORD_FILE, or typed at the prompt. Exit codes: 0 success, 1 failure,\n" +
            "3 snapshot saved but some sources unreadable, 10 no repository, 11 repository locked, 12 wrong password.");
        GlobalOptions.AddTo(root);
        root.Subcommands.Add(InitCommand.Create());
        root.Subcommands.Add(BackupCommand.Create());
        root.Subcommands.Add(SnapshotsCommand.Create());
        root.Subcommands.Add(LsCommand.Create());
        root.Subcommands.Add(RestoreCommand.Create());
        root.Subcommands.Add(CheckCommand.Create());
        root.Subcommands.Add(CatCommand.Create());
        root.Subcommands.Add(KeyCommand.Create());
        root.Subcommands.Add(UnlockCommand.Create());
        root.Subcommands.Add(ConfigCommand.Create());
        foreach (var command in JobCommands.Create())
        {
            root.Subcommands.Add(command);
        }

        root.Options.Add(DaemonAccess.Socket);

        using var interrupt = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            interrupt.Cancel();
        };

        // systemctl stop backup@JOB sends SIGTERM: stop as cleanly as for Ctrl-C (run --wait cancels the job).
        using var terminate = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            interrupt.Cancel();
        });

        var parse = root.Parse(args);
        try
        {
            return await parse.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false }, interrupt.Token).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            var (code, message) = Describe(e);
            Console.Error.WriteLine($"backupctl: {message}");
            if (Environment.GetEnvironmentVariable("BACKUP_DEBUG") == "1")
            {
                Console.Error.WriteLine(e);
            }

            return code;
        }
    }

    private static (int Code, string Message) Describe(Exception e) => e switch
    {
        AggregateException { InnerExceptions.Count: 1 } a => Describe(a.InnerException!),
        RepositoryNotFoundException => (ExitCodes.NoRepository, e.Message),
        RepositoryLockedException => (ExitCodes.Locked, e.Message),
        WrongPasswordException => (ExitCodes.WrongPassword, e.Message + "; check the password, the password file, or BACKUP_PASSWORD"),
        OperationCanceledException => (ExitCodes.Interrupted, "interrupted; the repository is left consistent (packs already written are reused by the next run)"),
        UsageException => (ExitCodes.UsageError, e.Message),
        Backup.Linux.Control.ControlException => (ExitCodes.Failure, e.Message),
        RepositoryFormatException or SnapshotNotFoundException or IOException or UnauthorizedAccessException or ArgumentException or FormatException => (ExitCodes.Failure, e.Message),
        _ => (ExitCodes.Failure, $"{e.GetType().Name}: {e.Message} (set BACKUP_DEBUG=1 for details)"),
    };
}

/// <summary>The command line is wrong in a way the parser cannot know (exit code 2).</summary>
public sealed class UsageException(string message) : Exception(message);
