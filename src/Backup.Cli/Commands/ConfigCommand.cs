using System.CommandLine;
using Backup.Daemon.Configuration;

namespace Backup.Cli.Commands;

public static class ConfigCommand
{
    public static Command Create()
    {
        var configDir = new Option<string?>("--config-dir") { Description = "Configuration directory (default: $BACKUP_CONFIG_DIR or /etc/backup)", HelpName = "DIR" };
        var check = new Command("check", "Validate backup.yaml and every job in jobs.d/ without a running daemon.\nEach problem is printed as FILE:LINE:COLUMN: message; the exit code is 1 when there is any.") { configDir };
        check.SetAction(parse =>
        {
            var dir = parse.GetValue(configDir) ?? Environment.GetEnvironmentVariable("BACKUP_CONFIG_DIR") ?? "/etc/backup";
            var configuration = ConfigurationLoader.Load(dir);
            foreach (var problem in configuration.AllProblems)
            {
                Console.Error.WriteLine(problem);
            }

            if (!parse.GetValue(GlobalOptions.Quiet))
            {
                foreach (var job in configuration.Jobs)
                {
                    Console.WriteLine($"{job.Name}: ok ({job.File}; {job.Sources.Count} source(s) -> {job.Repository}; schedule {job.Schedule?.ToString() ?? "none"})");
                }

                foreach (var job in configuration.DisabledJobs.Keys)
                {
                    Console.WriteLine($"{job}: INVALID, would be disabled");
                }
            }

            return configuration.AllProblems.Any() ? ExitCodes.Failure : ExitCodes.Success;
        });
        var command = new Command("config", "Work with backupd's configuration files.");
        command.Subcommands.Add(check);
        return command;
    }
}
