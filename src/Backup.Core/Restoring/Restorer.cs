using System.Collections.Concurrent;
using Backup.Core.Chunking;
using Backup.Core.FileSystem;
using Backup.Core.Model;
using Backup.Core.Repository;

namespace Backup.Core.Restoring;

/// <summary>
/// Restores a snapshot (or a part of it) into a target directory. Every name from the repository is
/// checked before use (no "/", ".", "..", NUL or empty names), every directory on the way is one we
/// verified as a real directory, and nothing is opened through a symlink, so a damaged or hostile
/// repository cannot make it write outside the target. Directory metadata is applied after the
/// directory's contents; hard links are recreated; all-zero chunks become holes.
/// </summary>
public sealed class Restorer
{
    private static readonly Id ZeroChunkId = Id.Hash(new byte[Chunker.MinSize]);

    private readonly Repository.Repository _repository;
    private readonly IFileSystem _fs;
    private readonly RestoreOptions _options;
    private readonly RestoreStats _stats = new();
    private readonly ConcurrentQueue<string> _errors = new();
    private readonly SemaphoreSlim _fileSlots;
    private readonly ConcurrentDictionary<(ulong Device, ulong Inode), (string Path, Task Done)> _hardLinks = new();

    public Restorer(Repository.Repository repository, IFileSystem fileSystem, RestoreOptions options)
    {
        _repository = repository;
        _fs = fileSystem;
        _options = options;
        _fileSlots = new SemaphoreSlim(options.FileConcurrency, options.FileConcurrency);
    }

    public long BytesDone => Interlocked.Read(ref _stats.Bytes);

    public long FilesDone => Interlocked.Read(ref _stats.Files);

    public async Task<RestoreResult> RunAsync(Id rootTree, CancellationToken cancellationToken)
    {
        var target = Path.TrimEndingDirectorySeparator(Path.GetFullPath(_options.Target));
        Directory.CreateDirectory(target);
        var status = _fs.LStat(target);
        if (status.Kind != FileKind.Directory)
        {
            throw new IOException($"restore target {target} is not a directory");
        }

        var (tree, single) = await ResolveSubPathAsync(rootTree, cancellationToken).ConfigureAwait(false);
        if (single is not null)
        {
            var task = await RestoreNodeAsync(target, single, cancellationToken).ConfigureAwait(false);
            await task.ConfigureAwait(false);
        }
        else
        {
            await RestoreTreeContentsAsync(target, tree!, cancellationToken).ConfigureAwait(false);
        }

        return new RestoreResult { Stats = _stats, Errors = _errors.ToList() };
    }

    /// <summary>Finds the sub-path in the snapshot: a directory yields its tree, anything else the node itself.</summary>
    private async Task<(Tree? Tree, Node? Single)> ResolveSubPathAsync(Id rootTree, CancellationToken cancellationToken)
    {
        var tree = await _repository.LoadTreeAsync(rootTree, cancellationToken).ConfigureAwait(false);
        if (string.IsNullOrEmpty(_options.SubPath) || _options.SubPath == "/")
        {
            return (tree, null);
        }

        var components = _options.SubPath.Split('/', StringSplitOptions.RemoveEmptyEntries);
        for (var i = 0; i < components.Length; i++)
        {
            var node = tree.Find(components[i])
                ?? throw new FileNotFoundException($"path {_options.SubPath} is not in the snapshot (no \"{components[i]}\" in {"/" + string.Join('/', components[..i])})");
            if (node.Type != NodeType.Dir)
            {
                if (i != components.Length - 1)
                {
                    throw new FileNotFoundException($"path {_options.SubPath} is not in the snapshot: {"/" + string.Join('/', components[..(i + 1)])} is not a directory");
                }

                return (null, node);
            }

            tree = await _repository.LoadTreeAsync(node.Subtree!.Value, cancellationToken).ConfigureAwait(false);
        }

        return (tree, null);
    }

    private async Task RestoreTreeContentsAsync(string directory, Tree tree, CancellationToken cancellationToken)
    {
        var pending = new List<Task>();
        foreach (var node in tree.Nodes)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!IsSafeName(node.Name))
            {
                Error($"{directory}: the snapshot holds an entry with the unsafe name {GoQuote.QuoteName(PathEncoding.Encode(node.Name))}; it was skipped");
                continue;
            }

            pending.Add(await RestoreNodeAsync(directory, node, cancellationToken).ConfigureAwait(false));
        }

        foreach (var task in pending)
        {
            await task.ConfigureAwait(false);
        }
    }

    /// <summary>Restores one entry; files finish in the background (the task returned), the rest at once.</summary>
    private async Task<Task> RestoreNodeAsync(string directory, Node node, CancellationToken cancellationToken)
    {
        var path = directory == "/" ? "/" + node.Name : directory + "/" + node.Name;
        try
        {
            switch (node.Type)
            {
                case NodeType.Dir:
                    await RestoreDirectoryAsync(path, node, cancellationToken).ConfigureAwait(false);
                    return Task.CompletedTask;
                case NodeType.File:
                    return await StartFileAsync(path, node, cancellationToken).ConfigureAwait(false);
                case NodeType.Symlink:
                    RemoveExisting(path);
                    _fs.CreateSymlink(node.LinkTarget ?? "", path);
                    ApplyMetadata(path, node);
                    Interlocked.Increment(ref _stats.Others);
                    return Task.CompletedTask;
                case NodeType.Dev:
                case NodeType.Chardev:
                case NodeType.Fifo:
                case NodeType.Socket:
                    RemoveExisting(path);
                    var kind = node.Type switch
                    {
                        NodeType.Dev => FileKind.BlockDevice,
                        NodeType.Chardev => FileKind.CharDevice,
                        NodeType.Fifo => FileKind.Fifo,
                        _ => FileKind.Socket,
                    };
                    _fs.CreateSpecial(path, kind, GoFileMode.ToUnixPermissions(node.Mode) & 0x1FF, node.Device);
                    ApplyMetadata(path, node);
                    Interlocked.Increment(ref _stats.Others);
                    return Task.CompletedTask;
                default:
                    Error($"{path}: unknown node type {node.Type}; skipped");
                    return Task.CompletedTask;
            }
        }
        catch (FileSystemException e)
        {
            Error(e.Message);
            return Task.CompletedTask;
        }
    }

    private async Task RestoreDirectoryAsync(string path, Node node, CancellationToken cancellationToken)
    {
        EnsureDirectory(path);
        Interlocked.Increment(ref _stats.Directories);
        if (node.Subtree is { } subtree)
        {
            var tree = await _repository.LoadTreeAsync(subtree, cancellationToken).ConfigureAwait(false);
            await RestoreTreeContentsAsync(path, tree, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            Error($"{path}: directory node without a subtree in the snapshot; restored empty");
        }

        // Last, so that creating the entries does not change the directory's times or hit its mode.
        ApplyMetadata(path, node);
    }

    private async Task<Task> StartFileAsync(string path, Node node, CancellationToken cancellationToken)
    {
        if (node.Links > 1)
        {
            var key = (node.DeviceId, node.Inode);
            var completion = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var entry = _hardLinks.GetOrAdd(key, (path, completion.Task));
            if (entry.Path != path)
            {
                return LinkAsync(entry.Path, entry.Done, path);
            }

            var work = StartFileContentAsync(path, node, cancellationToken);
            var started = await work.ConfigureAwait(false);
            _ = started.ContinueWith(t => completion.TrySetResult(), TaskScheduler.Default);
            return started;
        }

        return await StartFileContentAsync(path, node, cancellationToken).ConfigureAwait(false);
    }

    private async Task LinkAsync(string existing, Task existingDone, string path)
    {
        await existingDone.ConfigureAwait(false);
        try
        {
            RemoveExisting(path);
            _fs.CreateHardLink(existing, path);
            Interlocked.Increment(ref _stats.HardLinks);
        }
        catch (FileSystemException e)
        {
            Error(e.Message);
        }
    }

    private async Task<Task> StartFileContentAsync(string path, Node node, CancellationToken cancellationToken)
    {
        await _fileSlots.WaitAsync(cancellationToken).ConfigureAwait(false);
        return Task.Run(
            async () =>
            {
                try
                {
                    await RestoreFileAsync(path, node, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is FileSystemException or IOException or RepositoryFormatException)
                {
                    Error($"{path}: {e.Message}");
                }
                finally
                {
                    _fileSlots.Release();
                }
            },
            cancellationToken);
    }

    private async Task RestoreFileAsync(string path, Node node, CancellationToken cancellationToken)
    {
        RemoveExisting(path);
        var size = (long)node.Size;
        using (var handle = _fs.CreateFile(path, 0x180))
        {
            // restic restores a file whose size is 0 as empty, ignoring its content list; so do we.
            if (size > 0 && node.Content is { Count: > 0 } content)
            {
                RandomAccess.SetLength(handle, size);

                long offset = 0;
                foreach (var id in content)
                {
                    if (id == ZeroChunkId)
                    {
                        // Left as a hole: the file was extended to its size above.
                        offset += Chunker.MinSize;
                        continue;
                    }

                    var data = await _repository.LoadBlobAsync(BlobType.Data, id, cancellationToken).ConfigureAwait(false);
                    if (data.AsSpan().IndexOfAnyExcept((byte)0) >= 0)
                    {
                        RandomAccess.Write(handle, data, offset);
                    }

                    offset += data.Length;
                    Interlocked.Add(ref _stats.Bytes, data.Length);
                }

                if (offset != size)
                {
                    Error($"{path}: the snapshot says {size} bytes but its content has {offset}; restored {offset} bytes");
                    RandomAccess.SetLength(handle, offset);
                }
            }
        }

        ApplyMetadata(path, node);
        Interlocked.Increment(ref _stats.Files);
    }

    /// <summary>Owner, extended attributes, mode, then times (times last: the others change ctime, chmod after chown keeps set-id bits).</summary>
    private void ApplyMetadata(string path, Node node)
    {
        try
        {
            if (_options.RestoreOwnership)
            {
                _fs.SetOwner(path, node.Uid, node.Gid);
            }

            if (node.Type != NodeType.Symlink)
            {
                foreach (var xattr in node.ExtendedAttributes ?? Enumerable.Empty<ExtendedAttribute>())
                {
                    try
                    {
                        _fs.SetExtendedAttribute(path, xattr.Name, xattr.Value);
                    }
                    catch (FileSystemException e)
                    {
                        Error(e.Message);
                    }
                }

                _fs.SetPermissions(path, GoFileMode.ToUnixPermissions(node.Mode));
            }

            _fs.SetTimes(path, node.AccessTime.ToTimespec(), node.ModTime.ToTimespec());
        }
        catch (FileSystemException e)
        {
            Error(e.Message);
        }
    }

    /// <summary>Makes sure path is a real directory of ours: an existing symlink or file there is replaced, never followed.</summary>
    private void EnsureDirectory(string path)
    {
        try
        {
            var status = _fs.LStat(path);
            if (status.Kind == FileKind.Directory)
            {
                return;
            }

            _fs.Unlink(path);
        }
        catch (FileSystemException e) when (e.Errno == 2)
        {
        }

        _fs.CreateDirectory(path, 0x1C0);
    }

    private void RemoveExisting(string path)
    {
        try
        {
            var status = _fs.LStat(path);
            if (status.Kind == FileKind.Directory)
            {
                throw new FileSystemException("restore", path, 21, "a directory is in the way of a file from the snapshot; remove it or restore elsewhere");
            }

            _fs.Unlink(path);
        }
        catch (FileSystemException e) when (e.Errno == 2)
        {
        }
    }

    private static bool IsSafeName(string name) =>
        name.Length > 0 && name != "." && name != ".." && !name.Contains('/') && !name.Contains('\0');

    private void Error(string message) => _errors.Enqueue(message);
}
