using Backup.Cli;

return await CliApplication.RunAsync(args).ConfigureAwait(false);
