using System.Security.Cryptography;
using Backup.Core.Backends;
using Backup.Core.Repository;

namespace Backup.Daemon.Jobs;

/// <summary>
/// Repositories the daemon keeps open between runs, so that a run after a few changes does not pay again for the
/// key derivation (scrypt, by design slow) and for reading the whole index. A repository is lent to one run at a
/// time and taken back only after a successful run; anything in doubt (a failed or cancelled run, another
/// config, another password, the key file gone) opens it afresh, exactly as backupctl would.
/// </summary>
public sealed class OpenRepositories
{
    private readonly Dictionary<string, Entry> _idle = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    /// <summary>Forgets every idle repository (their keys and indexes become garbage).</summary>
    public void Clear()
    {
        lock (_lock)
        {
            _idle.Clear();
        }
    }

    /// <summary>
    /// Moves the index of every idle repository out of the heap into an unnamed file in <paramref name="directory"/>
    /// (<see cref="Backup.Core.Repository.Indexing.MasterIndex.MoveToDisk"/>), so that between runs it costs page
    /// cache the kernel can reclaim instead of the daemon's own memory. Holding the lock keeps every run away from
    /// an index while it moves. Returns what failed, one line per repository; those indexes stay in the heap.
    /// </summary>
    public IReadOnlyList<string> MoveIndexesToDisk(string directory)
    {
        var failures = new List<string>();
        lock (_lock)
        {
            foreach (var (location, entry) in _idle)
            {
                try
                {
                    entry.Repository.Index.MoveToDisk(directory);
                }
                catch (IOException e)
                {
                    failures.Add($"{location}: {e.Message}");
                }
            }
        }

        return failures;
    }

    /// <summary>
    /// The repository at <paramref name="backend"/>, opened with <paramref name="password"/>: the one kept from an earlier
    /// run when the repository's config file and key file are still those it was opened with, otherwise newly opened.
    /// </summary>
    public async Task<Lease> OpenAsync(IBackend backend, byte[] password, CancellationToken cancellationToken)
    {
        var passwordHash = SHA256.HashData(password);
        Entry? kept;
        lock (_lock)
        {
            _idle.Remove(backend.Location, out kept);
        }

        var sealedConfig = await backend.LoadAsync(FileType.Config, "config", 0, 0, cancellationToken).ConfigureAwait(false);
        if (kept is not null
            && kept.SealedConfig.AsSpan().SequenceEqual(sealedConfig)
            && CryptographicOperations.FixedTimeEquals(kept.PasswordHash, passwordHash)
            && await backend.StatAsync(FileType.Key, kept.Repository.KeyId.ToString(), cancellationToken).ConfigureAwait(false) is not null)
        {
            return new Lease(this, new Entry(kept.Repository, sealedConfig, passwordHash), reused: true);
        }

        var repository = await Repository.OpenAsync(backend, password, sealedConfig, cancellationToken).ConfigureAwait(false);
        return new Lease(this, new Entry(repository, sealedConfig, passwordHash), reused: false);
    }

    private void Return(Entry entry)
    {
        lock (_lock)
        {
            _idle[entry.Repository.Location] = entry;
        }
    }

    internal sealed record Entry(Repository Repository, byte[] SealedConfig, byte[] PasswordHash);

    /// <summary>One run's use of a repository; <see cref="Keep"/> after success hands it back for the next run.</summary>
    public sealed class Lease : IDisposable
    {
        private readonly OpenRepositories _owner;
        private readonly Entry _entry;
        private bool _keep;

        internal Lease(OpenRepositories owner, Entry entry, bool reused)
        {
            _owner = owner;
            _entry = entry;
            Reused = reused;
        }

        public Repository Repository => _entry.Repository;

        /// <summary>Whether the repository was kept from an earlier run rather than opened now.</summary>
        public bool Reused { get; }

        /// <summary>
        /// The run succeeded: its index in memory matches what the repository's index files say (a failed run may
        /// have added packs whose index file was never written), so the next run may start from it.
        /// </summary>
        public void Keep() => _keep = true;

        public void Dispose()
        {
            if (_keep)
            {
                _owner.Return(_entry);
            }
        }
    }
}
