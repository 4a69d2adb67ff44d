using Serilog;
using Serilog.Events;

namespace Backup.Daemon.Logging;

public static class LogSetup
{
    /// <summary>The journal when running under systemd, the console (stderr) otherwise.</summary>
    public static ILogger Create(bool journal)
    {
        var configuration = new LoggerConfiguration().MinimumLevel.Is(
            Environment.GetEnvironmentVariable("BACKUP_DEBUG") == "1" ? LogEventLevel.Debug : LogEventLevel.Information);
        return journal
            ? configuration.WriteTo.Sink(new JournalSink()).CreateLogger()
            : configuration.WriteTo.Console(
                outputTemplate: "{Timestamp:yyyy-MM-dd HH:mm:ss} {Level:u3} {Message:lj}{NewLine}{Exception}",
                standardErrorFromLevel: LogEventLevel.Verbose).CreateLogger();
    }
}
