using Backup.Core.Archiving;
using Backup.Core.Backends;
using Backup.Core.Backends.Local;
using Backup.Core.FileSystem;
using Backup.Core.Repository;
using Backup.Daemon.Configuration;

namespace Backup.Daemon.Jobs;

/// <summary>Runs one job's backup with the same engine as backupctl; the daemon adds queueing around it.</summary>
public sealed class JobRunner
{
    private readonly IFileSystem _fileSystem;
    private readonly string? _credentialsDirectory;
    private readonly OpenRepositories _repositories = new();

    public JobRunner(IFileSystem fileSystem, string? credentialsDirectory)
    {
        _fileSystem = fileSystem;
        _credentialsDirectory = credentialsDirectory;
    }

    /// <summary>Whether the job's repository is there to write to (for a local path: its config file exists).</summary>
    public static bool DestinationAvailable(JobDefinition job) =>
        !IsLocal(job.Repository) || File.Exists(Path.Combine(job.Repository, "config"));

    /// <summary>Forgets the repositories kept open between runs (after the configuration is reloaded).</summary>
    public void CloseRepositories() => _repositories.Clear();

    /// <inheritdoc cref="OpenRepositories.MoveIndexesToDisk"/>
    public IReadOnlyList<string> MoveIndexesToDisk(string directory) => _repositories.MoveIndexesToDisk(directory);

    /// <param name="plan">What to scan, from the change journal; null scans everything.</param>
    /// <param name="timer">Receives the run's phases.</param>
    public async Task<BackupSummary> RunAsync(JobDefinition job, ScanPlan? plan, PhaseTimer timer, Action<Archiver>? started, CancellationToken cancellationToken)
    {
        if (!IsLocal(job.Repository))
        {
            throw new NotSupportedException($"job {job.Name}: repository {job.Repository}: only local directories are supported by this version");
        }

        var backend = new LocalBackend(job.Repository);
        if (await backend.StatAsync(FileType.Config, "config", cancellationToken).ConfigureAwait(false) is null)
        {
            throw new RepositoryNotFoundException($"job {job.Name}: no repository at {job.Repository}; create it with 'backupctl -r {job.Repository} init'");
        }

        using var lease = await _repositories.OpenAsync(backend, Password(job), cancellationToken).ConfigureAwait(false);
        timer.Mark(lease.Reused ? "open (kept)" : "open");
        var excludes = new ExcludeFilter();
        foreach (var pattern in job.Exclude)
        {
            excludes.Add(pattern, $"{job.File}: exclude");
        }

        var request = new BackupRequest
        {
            Archiver = new ArchiverOptions
            {
                Paths = job.Sources,
                Excludes = excludes,
                ExcludeCaches = job.ExcludeCaches,
                OneFileSystem = job.OneFileSystem,
                Plan = plan,
            },
            Tags = job.Tags,
            ProgramVersion = "backupd " + typeof(JobRunner).Assembly.GetName().Version,
            Timer = timer,
        };
        var summary = await BackupOperation.RunAsync(lease.Repository, _fileSystem, request, started, cancellationToken).ConfigureAwait(false);
        lease.Keep();
        return summary;
    }

    /// <summary>The password from the job's file, or from the systemd credential directory; never from the job file itself.</summary>
    private byte[] Password(JobDefinition job)
    {
        if (job.PasswordFile is { } file)
        {
            return PasswordFile.Read(file, $"job {job.Name}: password_file");
        }

        if (job.PasswordCredential is { } credential)
        {
            if (_credentialsDirectory is null)
            {
                throw new ArgumentException($"job {job.Name}: password_credential \"{credential}\" needs systemd credentials ($CREDENTIALS_DIRECTORY is not set); add 'LoadCredential={credential}:/path/to/file' to backupd.service");
            }

            return PasswordFile.Read(Path.Combine(_credentialsDirectory, credential), $"job {job.Name}: credential");
        }

        throw new ArgumentException($"job {job.Name}: no password_file or password_credential");
    }

    private static bool IsLocal(string repository) => repository.StartsWith('/');
}
