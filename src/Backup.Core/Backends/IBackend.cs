namespace Backup.Core.Backends;

/// <summary>The kinds of file a repository stores; each lives in its own place in the layout.</summary>
public enum FileType
{
    Config,
    Key,
    Snapshot,
    Index,
    Lock,
    Pack,
}

public readonly record struct BackendEntry(string Name, long Size);

/// <summary>
/// Storage for a repository: whole immutable files, written atomically, read whole or by range.
/// Retry, rate limits and caching wrap a backend rather than live inside one.
/// </summary>
public interface IBackend
{
    /// <summary>Where the repository is, as the user wrote it (for messages).</summary>
    string Location { get; }

    /// <summary>Creates the directory layout of a new repository. Fails if a repository is already there.</summary>
    Task CreateLayoutAsync(CancellationToken cancellationToken);

    /// <summary>Stores a file so that it is either wholly there and durable, or not there at all.</summary>
    Task SaveAsync(FileType type, string name, ReadOnlyMemory<byte> data, CancellationToken cancellationToken);

    /// <summary>Reads <paramref name="length"/> bytes at <paramref name="offset"/>, or the whole file when length is 0.</summary>
    Task<byte[]> LoadAsync(FileType type, string name, long offset, int length, CancellationToken cancellationToken);

    /// <summary>The size of a file, or null when it does not exist.</summary>
    Task<long?> StatAsync(FileType type, string name, CancellationToken cancellationToken);

    Task RemoveAsync(FileType type, string name, CancellationToken cancellationToken);

    IAsyncEnumerable<BackendEntry> ListAsync(FileType type, CancellationToken cancellationToken);

    /// <summary>
    /// Whether a listing shows every file whose save has returned, at once (a local filesystem). Where it may lag
    /// (object stores), a new lock waits before it looks again for competing locks.
    /// </summary>
    bool ListsConsistently => false;

    /// <summary>
    /// A file to write a pack into before its name (the hash of its content) is known. Packs are
    /// built on disk rather than in memory, so memory use does not grow with the pack size.
    /// </summary>
    IStagedFile StagePack();
}

/// <summary>A file being written; <see cref="CommitAsync"/> makes it durable under its final name, disposing without commit removes it.</summary>
public interface IStagedFile : IAsyncDisposable
{
    Stream Stream { get; }

    Task CommitAsync(string name, CancellationToken cancellationToken);
}

/// <summary>No repository exists at the location (exit code 10).</summary>
public sealed class RepositoryNotFoundException(string message) : Exception(message);
