namespace Backup.Daemon;

/// <summary>
/// Where backupd keeps things: systemd's directories when it provides them ($STATE_DIRECTORY, …),
/// the FHS defaults otherwise; the configuration directory from --config-dir or $BACKUP_CONFIG_DIR.
/// </summary>
public sealed record DaemonPaths(string ConfigDirectory, string StateDirectory, string CacheDirectory, string RuntimeDirectory, string? CredentialsDirectory, string SocketPath)
{
    public static DaemonPaths FromEnvironment(string? configDirOption, string? socketOption)
    {
        var runtime = First(Environment.GetEnvironmentVariable("RUNTIME_DIRECTORY")) ?? "/run/backup";
        return new DaemonPaths(
            configDirOption ?? Environment.GetEnvironmentVariable("BACKUP_CONFIG_DIR") ?? "/etc/backup",
            First(Environment.GetEnvironmentVariable("STATE_DIRECTORY")) ?? "/var/lib/backup",
            First(Environment.GetEnvironmentVariable("CACHE_DIRECTORY")) ?? "/var/cache/backup",
            runtime,
            Environment.GetEnvironmentVariable("CREDENTIALS_DIRECTORY"),
            socketOption ?? Environment.GetEnvironmentVariable("BACKUP_SOCKET") ?? Path.Combine(runtime, "backupd.sock"));
    }

    /// <summary>systemd passes several directories colon-separated when a unit names several; ours is the first.</summary>
    private static string? First(string? value) => string.IsNullOrEmpty(value) ? null : value.Split(':')[0];
}
