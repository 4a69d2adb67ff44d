using Backup.Core.Backends;
using Backup.Core.Model;

namespace Backup.Core.Repository;

/// <summary>Finding, loading and saving snapshots.</summary>
public static class SnapshotStore
{
    public static async Task<List<(Id Id, Snapshot Snapshot)>> LoadAllAsync(Repository repository, CancellationToken cancellationToken)
    {
        var result = new List<(Id, Snapshot)>();
        await foreach (var id in repository.ListIdsAsync(FileType.Snapshot, cancellationToken).ConfigureAwait(false))
        {
            var json = await repository.LoadUnpackedAsync(FileType.Snapshot, id, cancellationToken).ConfigureAwait(false);
            result.Add((id, Decode(repository, id, json)));
        }

        result.Sort((a, b) => a.Item2.Time.ToDateTimeOffset().CompareTo(b.Item2.Time.ToDateTimeOffset()));
        return result;
    }

    public static async Task<Id> SaveAsync(Repository repository, Snapshot snapshot, CancellationToken cancellationToken) =>
        await repository.SaveUnpackedAsync(FileType.Snapshot, snapshot.ToJson(), cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// Resolves "latest" (optionally limited to a host and a set of paths) or a unique ID prefix.
    /// Throws <see cref="SnapshotNotFoundException"/> with a message saying what was searched.
    /// </summary>
    public static async Task<(Id Id, Snapshot Snapshot)> FindAsync(Repository repository, string reference, string? host, IReadOnlyCollection<string>? paths, CancellationToken cancellationToken)
    {
        if (Id.TryParse(reference, out var exact))
        {
            // A whole ID names one file: no need to read every snapshot (a daemon's parent is always given so).
            if (await repository.Backend.StatAsync(FileType.Snapshot, exact.ToString(), cancellationToken).ConfigureAwait(false) is null)
            {
                throw new SnapshotNotFoundException($"{repository.Location}: no snapshot with ID {reference}; list them with 'backupctl snapshots'");
            }

            return (exact, Decode(repository, exact, await repository.LoadUnpackedAsync(FileType.Snapshot, exact, cancellationToken).ConfigureAwait(false)));
        }

        var all = await LoadAllAsync(repository, cancellationToken).ConfigureAwait(false);
        if (reference == "latest")
        {
            var match = all.LastOrDefault(s => Matches(s.Snapshot, host, paths));
            if (match.Snapshot is null)
            {
                var filter = host is null && paths is null ? "" : $" for{(host is null ? "" : $" host {host}")}{(paths is null ? "" : $" paths {string.Join(", ", paths)}")}";
                throw new SnapshotNotFoundException($"{repository.Location}: no snapshot{filter}; list them with 'backupctl snapshots'");
            }

            return match;
        }

        var lower = reference.ToLowerInvariant();
        if (lower.Length == 0 || !lower.All(Uri.IsHexDigit))
        {
            throw new SnapshotNotFoundException($"\"{reference}\" is not a snapshot ID: give an ID, a unique prefix of one, or \"latest\"");
        }

        var candidates = all.Where(s => s.Id.ToString().StartsWith(lower, StringComparison.Ordinal)).ToList();
        return candidates.Count switch
        {
            1 => candidates[0],
            0 => throw new SnapshotNotFoundException($"{repository.Location}: no snapshot with ID {reference}; list them with 'backupctl snapshots'"),
            _ => throw new SnapshotNotFoundException($"{repository.Location}: snapshot prefix {reference} is ambiguous ({candidates.Count} snapshots match); give more characters"),
        };
    }

    /// <summary>The newest snapshot of the same host whose paths are exactly the given ones (restic's parent rule).</summary>
    public static async Task<(Id Id, Snapshot Snapshot)?> FindParentAsync(Repository repository, string host, IReadOnlyCollection<string> paths, CancellationToken cancellationToken)
    {
        var all = await LoadAllAsync(repository, cancellationToken).ConfigureAwait(false);
        for (var i = all.Count - 1; i >= 0; i--)
        {
            if (Matches(all[i].Snapshot, host, paths))
            {
                return all[i];
            }
        }

        return null;
    }

    private static Snapshot Decode(Repository repository, Id id, byte[] json)
    {
        try
        {
            return Snapshot.Parse(json);
        }
        catch (FormatException e)
        {
            throw new RepositoryFormatException($"{repository.Location}: snapshot {id} cannot be decoded: {e.Message}", e);
        }
    }

    private static bool Matches(Snapshot snapshot, string? host, IReadOnlyCollection<string>? paths)
    {
        if (host is not null && snapshot.Hostname != host)
        {
            return false;
        }

        if (paths is null)
        {
            return true;
        }

        var mine = new SortedSet<string>(snapshot.Paths ?? new List<string>(), StringComparer.Ordinal);
        return mine.SetEquals(paths);
    }
}

public sealed class SnapshotNotFoundException(string message) : Exception(message);
