using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;

namespace Backup.Core.Backends.Local;

/// <summary>
/// A repository in a local directory, in restic's default layout. Writes go to a temporary name in
/// the target directory, are fsync'ed (checked, see <see cref="DurableFile"/>), renamed into place,
/// and the directory is fsync'ed, so a crash leaves either the whole file or only a "-tmp-" file.
/// </summary>
public sealed class LocalBackend : IBackend
{
    private const string TempMarker = "-tmp-";

    private readonly string _root;

    public LocalBackend(string path)
    {
        Location = path;
        _root = Path.GetFullPath(path);
    }

    public string Location { get; }

    /// <summary>A save is a rename in one directory, visible to every later listing as soon as it returns.</summary>
    public bool ListsConsistently => true;

    public Task CreateLayoutAsync(CancellationToken cancellationToken)
    {
        if (File.Exists(Path.Combine(_root, "config")))
        {
            throw new IOException($"{Location}: a repository already exists there (it has a config file)");
        }

        if (Directory.Exists(_root) && Directory.EnumerateFileSystemEntries(_root).Any())
        {
            throw new IOException($"{Location}: the directory is not empty; choose an empty or new directory for a new repository");
        }

        CreateDirectory(_root);
        foreach (var dir in new[] { "keys", "snapshots", "index", "locks", "data" })
        {
            CreateDirectory(Path.Combine(_root, dir));
        }

        for (var i = 0; i < 256; i++)
        {
            CreateDirectory(Path.Combine(_root, "data", i.ToString("x2")));
        }

        DurableFile.FsyncDirectory(Path.Combine(_root, "data"));
        DurableFile.FsyncDirectory(_root);
        return Task.CompletedTask;
    }

    public async Task SaveAsync(FileType type, string name, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        var path = PathOf(type, name);
        var directory = Path.GetDirectoryName(path)!;
        if (type == FileType.Pack && !Directory.Exists(directory))
        {
            CreateDirectory(directory);
        }

        var temp = path + TempMarker + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        try
        {
            using (var handle = File.OpenHandle(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, FileOptions.None, preallocationSize: data.Length))
            {
                await RandomAccess.WriteAsync(handle, data, 0, cancellationToken).ConfigureAwait(false);
                DurableFile.Fsync(handle, temp);
            }

            File.Move(temp, path, overwrite: true);
            DurableFile.FsyncDirectory(directory);
            File.SetUnixFileMode(path, UnixFileMode.UserRead);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    /// <remarks>
    /// Reads with pread(2) on the calling thread: for a regular file the runtime's asynchronous read is the same
    /// blocking call made on another pool thread, and the hop cost more than the read of a tree blob from the page
    /// cache. Callers that read much run on pool threads of their own already.
    /// </remarks>
    public Task<byte[]> LoadAsync(FileType type, string name, long offset, int length, CancellationToken cancellationToken)
    {
        try
        {
            return Task.FromResult(Load(type, name, offset, length, cancellationToken));
        }
        catch (Exception e)
        {
            return Task.FromException<byte[]>(e);
        }
    }

    private byte[] Load(FileType type, string name, long offset, int length, CancellationToken cancellationToken)
    {
        var path = PathOf(type, name);
        using var handle = OpenForRead(path, type, name);
        if (length <= 0)
        {
            var size = RandomAccess.GetLength(handle);
            if (size > int.MaxValue)
            {
                throw new IOException($"{path}: {size} bytes is too large to load whole");
            }

            length = (int)size;
        }

        var buffer = new byte[length];
        var read = 0;
        while (read < length)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var n = RandomAccess.Read(handle, buffer.AsSpan(read), offset + read);
            if (n == 0)
            {
                throw new EndOfStreamException($"{path}: wanted {length} bytes at offset {offset}, the file ends after {read}");
            }

            read += n;
        }

        return buffer;
    }

    public Task<long?> StatAsync(FileType type, string name, CancellationToken cancellationToken)
    {
        var info = new FileInfo(PathOf(type, name));
        return Task.FromResult(info.Exists ? info.Length : (long?)null);
    }

    public Task RemoveAsync(FileType type, string name, CancellationToken cancellationToken)
    {
        var path = PathOf(type, name);
        File.Delete(path);
        DurableFile.FsyncDirectory(Path.GetDirectoryName(path)!);
        return Task.CompletedTask;
    }

    public async IAsyncEnumerable<BackendEntry> ListAsync(FileType type, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await Task.Yield();
        if (type == FileType.Config)
        {
            var info = new FileInfo(Path.Combine(_root, "config"));
            if (info.Exists)
            {
                yield return new BackendEntry("config", info.Length);
            }

            yield break;
        }

        var dir = Path.Combine(_root, DirectoryOf(type));
        if (!Directory.Exists(dir))
        {
            yield break;
        }

        var options = new EnumerationOptions { RecurseSubdirectories = type == FileType.Pack, MaxRecursionDepth = 1, AttributesToSkip = 0, IgnoreInaccessible = false };
        foreach (var file in new DirectoryInfo(dir).EnumerateFiles("*", options))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (file.Name.Contains(TempMarker, StringComparison.Ordinal))
            {
                continue;
            }

            long length;
            try
            {
                length = file.Length;
            }
            catch (FileNotFoundException)
            {
                // Removed since the directory was read (another process's lock going away): not there, as for restic.
                continue;
            }

            yield return new BackendEntry(file.Name, length);
        }
    }

    public IStagedFile StagePack()
    {
        // Staged inside data/ so the final rename stays on one filesystem; the marker keeps it out of listings.
        var directory = Path.Combine(_root, "data", Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(1)));
        if (!Directory.Exists(directory))
        {
            CreateDirectory(directory);
        }

        return new StagedFile(this, Path.Combine(directory, "pack" + TempMarker + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))));
    }

    private sealed class StagedFile(LocalBackend backend, string path) : IStagedFile
    {
        private readonly FileStream _stream = new(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1 << 16);
        private bool _committed;

        public Stream Stream => _stream;

        public async Task CommitAsync(string name, CancellationToken cancellationToken)
        {
            await _stream.FlushAsync(cancellationToken).ConfigureAwait(false);
            DurableFile.Fsync(_stream.SafeFileHandle, path);
            await _stream.DisposeAsync().ConfigureAwait(false);
            var final = backend.PathOf(FileType.Pack, name);
            var directory = Path.GetDirectoryName(final)!;
            if (!Directory.Exists(directory))
            {
                CreateDirectory(directory);
            }

            File.Move(path, final, overwrite: true);
            DurableFile.FsyncDirectory(directory);
            DurableFile.FsyncDirectory(Path.GetDirectoryName(path)!);
            File.SetUnixFileMode(final, UnixFileMode.UserRead);
            _committed = true;
        }

        public async ValueTask DisposeAsync()
        {
            await _stream.DisposeAsync().ConfigureAwait(false);
            if (!_committed)
            {
                TryDelete(path);
            }
        }
    }

    private SafeFileHandle OpenForRead(string path, FileType type, string name)
    {
        try
        {
            return File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        }
        catch (FileNotFoundException) when (type == FileType.Config)
        {
            throw new RepositoryNotFoundException($"{Location}: no repository there (no config file); create one with 'backupctl init'");
        }
        catch (DirectoryNotFoundException) when (type == FileType.Config)
        {
            throw new RepositoryNotFoundException($"{Location}: no repository there (the directory does not exist); create one with 'backupctl init'");
        }
        catch (FileNotFoundException)
        {
            throw new FileNotFoundException($"{Location}: {DirectoryOf(type)} file {name} is missing", path);
        }
    }

    private string PathOf(FileType type, string name) => type switch
    {
        FileType.Config => Path.Combine(_root, "config"),
        FileType.Pack => Path.Combine(_root, "data", name[..2], name),
        _ => Path.Combine(_root, DirectoryOf(type), name),
    };

    private static string DirectoryOf(FileType type) => type switch
    {
        FileType.Key => "keys",
        FileType.Snapshot => "snapshots",
        FileType.Index => "index",
        FileType.Lock => "locks",
        FileType.Pack => "data",
        FileType.Config => ".",
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    private static void CreateDirectory(string path)
    {
        Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
