using Backup.Core.Backends;
using Backup.Core.Model;

namespace Backup.Core.Repository.Locking;

/// <summary>
/// A lock on a repository, compatible with restic's: shared locks coexist, an exclusive lock needs
/// the repository to itself. Locks are re-written every five minutes so that they never look stale
/// while held, and removed on dispose.
/// </summary>
public sealed class RepositoryLock : IAsyncDisposable
{
    private static readonly TimeSpan RefreshInterval = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan RecheckDelay = TimeSpan.FromMilliseconds(200);

    private readonly Repository _repository;
    private readonly bool _exclusive;
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _gate = new(1, 1);
    private Task? _refresher;
    private Id _current;

    private RepositoryLock(Repository repository, bool exclusive)
    {
        _repository = repository;
        _exclusive = exclusive;
    }

    public static async Task<RepositoryLock> AcquireAsync(Repository repository, bool exclusive, CancellationToken cancellationToken)
    {
        var handle = new RepositoryLock(repository, exclusive);
        await handle.ThrowIfConflictAsync(ignore: null, cancellationToken).ConfigureAwait(false);
        handle._current = await handle.WriteAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // Two processes that lock at once each write before they look again, so at least one sees the other: at
            // once where listings are consistent, after a pause where they may lag. Cancellation during the pause
            // must not leave our lock file behind either.
            if (!repository.Backend.ListsConsistently)
            {
                await Task.Delay(RecheckDelay, cancellationToken).ConfigureAwait(false);
            }

            await handle.ThrowIfConflictAsync(ignore: handle._current, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await handle.RemoveAsync(handle._current).ConfigureAwait(false);
            throw;
        }

        handle._refresher = handle.RefreshLoopAsync();
        return handle;
    }

    /// <summary>Lists the locks in the repository; undecodable ones are returned as null content.</summary>
    public static async Task<List<(Id Id, LockFile? Lock)>> ListAsync(Repository repository, CancellationToken cancellationToken)
    {
        var result = new List<(Id, LockFile?)>();
        await foreach (var id in repository.ListIdsAsync(FileType.Lock, cancellationToken).ConfigureAwait(false))
        {
            LockFile? parsed = null;
            try
            {
                parsed = LockFile.TryParse(await repository.LoadUnpackedAsync(FileType.Lock, id, cancellationToken).ConfigureAwait(false));
            }
            catch (Exception e) when (e is RepositoryFormatException or IOException)
            {
                // restic ignores locks it cannot read; so do we (they may be half-written or removed meanwhile).
            }

            result.Add((id, parsed));
        }

        return result;
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        if (_refresher is not null)
        {
            try
            {
                await _refresher.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }

        await RemoveAsync(_current).ConfigureAwait(false);
    }

    private async Task ThrowIfConflictAsync(Id? ignore, CancellationToken cancellationToken)
    {
        var now = DateTimeOffset.Now;
        foreach (var (id, other) in await ListAsync(_repository, cancellationToken).ConfigureAwait(false))
        {
            if (other is null || (ignore is { } own && id == own))
            {
                continue;
            }

            if (_exclusive || other.Exclusive)
            {
                var hint = other.IsStale(now)
                    ? "if that process is gone, remove the lock with 'backupctl unlock'"
                    : "wait for it to finish, or run 'backupctl unlock' if you are sure it is gone";
                throw new RepositoryLockedException($"{_repository.Location}: repository is locked: {other.Describe(now)} (lock {id.ToShortString()}); {hint}");
            }
        }
    }

    private Task<Id> WriteAsync(CancellationToken cancellationToken)
    {
        var lockFile = new LockFile(
            GoTime.Now(TimeZoneInfo.Local),
            _exclusive,
            Environment.MachineName,
            Environment.UserName,
            Environment.ProcessId,
            Interop.Libc.GetEuid(),
            Interop.Libc.GetEgid());
        return _repository.SaveUnpackedAsync(FileType.Lock, lockFile.ToJson(), cancellationToken);
    }

    private async Task RefreshLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            await Task.Delay(RefreshInterval, _stop.Token).ConfigureAwait(false);
            await _gate.WaitAsync(_stop.Token).ConfigureAwait(false);
            try
            {
                var old = _current;
                _current = await WriteAsync(_stop.Token).ConfigureAwait(false);
                await RemoveAsync(old).ConfigureAwait(false);
            }
            finally
            {
                _gate.Release();
            }
        }
    }

    private async Task RemoveAsync(Id id)
    {
        try
        {
            await _repository.Backend.RemoveAsync(FileType.Lock, id.ToString(), CancellationToken.None).ConfigureAwait(false);
        }
        catch (IOException)
        {
            // A lock that cannot be removed goes stale by itself; the backup result stands.
        }
    }
}
