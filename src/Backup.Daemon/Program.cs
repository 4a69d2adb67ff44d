using System.Runtime.InteropServices;
using Backup.Daemon;
using Backup.Daemon.Logging;
using Backup.Daemon.Scheduling;

if (args.Contains("--help") || args.Contains("-h"))
{
    Console.WriteLine("""
        Usage: backupd [--config-dir DIR] [--socket PATH]

        The Backup.Linux daemon: runs the backup jobs of DIR/jobs.d/*.yaml on their schedules and on
        request from backupctl, keeps their history, and reports to systemd and the journal.
        Normally started by systemd through backupd.socket; it can also run in the foreground.

          --config-dir DIR   configuration directory (default: $BACKUP_CONFIG_DIR or /etc/backup)
          --socket PATH      control socket when not socket-activated
                             (default: $BACKUP_SOCKET or $RUNTIME_DIRECTORY/backupd.sock, /run/backup/backupd.sock)

        State: $STATE_DIRECTORY or /var/lib/backup. Passwords: password_file in the job, or a systemd
        credential (password_credential) from $CREDENTIALS_DIRECTORY. SIGTERM cancels running jobs cleanly.
        """);
    return 0;
}

string? Option(string name)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}

var unknown = args.Where((a, i) => a.StartsWith("--", StringComparison.Ordinal) && a is not ("--config-dir" or "--socket") && !(i > 0 && args[i - 1] is "--config-dir" or "--socket")).ToList();
if (unknown.Count > 0)
{
    Console.Error.WriteLine($"backupd: unknown option {unknown[0]}; see backupd --help");
    return 2;
}

var paths = DaemonPaths.FromEnvironment(Option("--config-dir"), Option("--socket"));
var log = LogSetup.Create(
    journal: true,
    Environment.GetEnvironmentVariable("BACKUP_DEBUG") == "1" ? Serilog.Events.LogEventLevel.Debug : Serilog.Events.LogEventLevel.Information);
using var stop = new CancellationTokenSource();
using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
{
    context.Cancel = true;
    stop.Cancel();
});
using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, context =>
{
    context.Cancel = true;
    stop.Cancel();
});

try
{
    return await BackupDaemon.RunAsync(paths, log, SystemClock.Instance, stop.Token);
}
catch (Exception e)
{
    log.Fatal(e, "backupd failed: {Error}", e.Message);
    return 1;
}
finally
{
    log.Dispose();
}
