using Backup.Core.Buffers;
using System.Buffers;
using System.Collections.Concurrent;
using System.Threading.Channels;
using Backup.Core.Chunking;
using Backup.Core.FileSystem;
using Backup.Core.Model;
using Backup.Core.Repository;

namespace Backup.Core.Archiving;

/// <summary>
/// Backs up paths into trees and blobs. The walk is depth-first and builds each directory's tree
/// once all its entries are done; file contents are read by up to <see cref="ArchiverOptions.FileConcurrency"/>
/// concurrent file tasks, and new chunks are compressed and encrypted by one blob worker per core
/// behind a bounded queue, so memory stays bounded whatever the number and size of files.
/// A file whose type, size, mtime, ctime and inode equal its node in the parent snapshot keeps the
/// parent's content list without being read.
/// </summary>
public sealed class Archiver
{
    private const string CacheDirTag = "CACHEDIR.TAG";
    private static readonly byte[] CacheDirSignature = "Signature: 8a477f597d28d172789f06886806bc55"u8.ToArray();

    private readonly Repository.Repository _repository;
    private readonly IFileSystem _fs;
    private readonly BlobPacker _packer;
    private readonly ArchiverOptions _options;
    private readonly ArchiveStats _stats = new();
    private readonly ConcurrentQueue<string> _warnings = new();
    private readonly SemaphoreSlim _fileSlots;
    private readonly Channel<BlobJob> _blobs;
    private long _filesDone;
    private long _bytesDone;
    private volatile string? _current;

    public Archiver(Repository.Repository repository, IFileSystem fileSystem, BlobPacker packer, ArchiverOptions options)
    {
        _repository = repository;
        _fs = fileSystem;
        _packer = packer;
        _options = options;
        _fileSlots = new SemaphoreSlim(options.FileConcurrency, options.FileConcurrency);
        _blobs = Channel.CreateBounded<BlobJob>(new BoundedChannelOptions(Environment.ProcessorCount * 2) { SingleReader = false, SingleWriter = false });
    }

    public ArchiveProgress Progress => new(Interlocked.Read(ref _filesDone), Interlocked.Read(ref _bytesDone), null, null, _current);

    /// <summary>The absolute paths that go into the snapshot's "paths", sorted.</summary>
    public static List<string> AbsolutePaths(IEnumerable<string> paths) =>
        paths.Select(p => Path.TrimEndingDirectorySeparator(Path.GetFullPath(p)))
             .Distinct(StringComparer.Ordinal)
             .Order(StringComparer.Ordinal)
             .ToList();

    public async Task<ArchiveResult> RunAsync(Tree? parentRoot, CancellationToken cancellationToken)
    {
        using var failure = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var workers = Enumerable.Range(0, Math.Max(1, Environment.ProcessorCount))
            .Select(_ => Task.Run(() => BlobWorkerAsync(failure), CancellationToken.None))
            .ToArray();

        Id root;
        try
        {
            var targets = BuildTargets(_options.Paths);
            root = await ArchiveVirtualAsync(targets, parentRoot, failure.Token).ConfigureAwait(false);
        }
        catch
        {
            failure.Cancel();
            throw;
        }
        finally
        {
            _blobs.Writer.TryComplete();
            await Task.WhenAll(workers.Select(w => w.ContinueWith(_ => { }, TaskScheduler.Default))).ConfigureAwait(false);
        }

        foreach (var w in workers)
        {
            await w.ConfigureAwait(false);
        }

        return new ArchiveResult { RootTree = root, Stats = _stats, Warnings = _warnings.ToList() };
    }

    private async Task BlobWorkerAsync(CancellationTokenSource failure)
    {
        await foreach (var job in _blobs.Reader.ReadAllAsync(CancellationToken.None).ConfigureAwait(false))
        {
            try
            {
                if (!failure.IsCancellationRequested)
                {
                    await _packer.SaveAsync(job.Type, job.Id, job.Chunk, failure.Token).ConfigureAwait(false);
                }
            }
            catch
            {
                failure.Cancel();
                throw;
            }
            finally
            {
                job.Chunk.Dispose();
            }
        }
    }

    /// <summary>The tree of path components leading to each backup argument (restic's root tree shape).</summary>
    private static VirtualDirectory BuildTargets(IReadOnlyList<string> paths)
    {
        var root = new VirtualDirectory("/");
        foreach (var raw in paths)
        {
            var relative = !Path.IsPathRooted(raw) && !raw.Split('/').Contains("..");
            var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(raw));
            var components = (relative ? Path.GetRelativePath(Environment.CurrentDirectory, full) : full)
                .Split('/', StringSplitOptions.RemoveEmptyEntries)
                .Where(c => c != ".")
                .ToList();
            var node = root;
            var real = relative ? Environment.CurrentDirectory : "";
            if (components.Count == 0)
            {
                // "/" (or ".") itself: its entries become the root's entries.
                node.TargetPath = relative ? Environment.CurrentDirectory : "/";
                continue;
            }

            foreach (var component in components)
            {
                real = real.EndsWith('/') ? real + component : real + "/" + component;
                if (!node.Children.TryGetValue(component, out var child))
                {
                    child = new VirtualDirectory(real);
                    node.Children.Add(component, child);
                }

                node = child;
            }

            node.TargetPath = full;
        }

        return root;
    }

    private async Task<Id> ArchiveVirtualAsync(VirtualDirectory directory, Tree? parent, CancellationToken cancellationToken)
    {
        if (directory.TargetPath is { } whole)
        {
            var status = _fs.LStat(whole);
            var (tree, _) = await ArchiveDirectoryContentsAsync(whole, status, parent, status.Device, cancellationToken).ConfigureAwait(false);
            return await SaveTreeAsync(tree, cancellationToken).ConfigureAwait(false);
        }

        var nodes = new List<Node>();
        foreach (var (name, child) in directory.Children)
        {
            var parentNode = parent?.Find(name);
            Node? node;
            if (child.TargetPath is { } target)
            {
                FileStatus status;
                try
                {
                    status = _fs.LStat(target);
                }
                catch (FileSystemException e)
                {
                    Warn($"{target}: {e.Message}");
                    continue;
                }

                node = await (await ArchiveEntryAsync(target, name, status, parentNode, status.Device, cancellationToken).ConfigureAwait(false)).ConfigureAwait(false);
            }
            else
            {
                var status = _fs.LStat(child.RealPath);
                var parentSubtree = await LoadParentSubtreeAsync(parentNode, cancellationToken).ConfigureAwait(false);
                node = NewNode(name, child.RealPath, status);
                node.Subtree = await ArchiveVirtualAsync(child, parentSubtree, cancellationToken).ConfigureAwait(false);
            }

            if (node is not null)
            {
                nodes.Add(node);
            }
        }

        return await SaveTreeAsync(new Tree(nodes), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Starts archiving one entry; files complete in the background, everything else at once.</summary>
    private async Task<Task<Node?>> ArchiveEntryAsync(string path, string name, FileStatus status, Node? parentNode, ulong rootDevice, CancellationToken cancellationToken)
    {
        switch (status.Kind)
        {
            case FileKind.Regular:
                await _fileSlots.WaitAsync(cancellationToken).ConfigureAwait(false);
                return Task.Run(
                    async () =>
                    {
                        try
                        {
                            return await ArchiveFileAsync(path, name, status, parentNode, cancellationToken).ConfigureAwait(false);
                        }
                        finally
                        {
                            _fileSlots.Release();
                        }
                    },
                    cancellationToken);
            case FileKind.Directory:
                return Task.FromResult(await ArchiveDirectoryAsync(path, name, status, parentNode, rootDevice, cancellationToken).ConfigureAwait(false));
            case FileKind.Socket:
                // Sockets are runtime objects; restic skips them too.
                return Task.FromResult<Node?>(null);
            default:
                return Task.FromResult(TryNewNode(name, path, status));
        }
    }

    private async Task<Node?> ArchiveDirectoryAsync(string path, string name, FileStatus status, Node? parentNode, ulong rootDevice, CancellationToken cancellationToken)
    {
        var node = TryNewNode(name, path, status);
        if (node is null)
        {
            return null;
        }

        var parentTree = await LoadParentSubtreeAsync(parentNode, cancellationToken).ConfigureAwait(false);
        Tree tree;
        if (_options.OneFileSystem && status.Device != rootDevice)
        {
            // A mount point: keep the directory itself so a restore recreates it, but not what is mounted there.
            tree = new Tree(new List<Node>());
        }
        else
        {
            var (contents, ok) = await ArchiveDirectoryContentsAsync(path, status, parentTree, rootDevice, cancellationToken).ConfigureAwait(false);
            if (!ok)
            {
                return null;
            }

            tree = contents;
        }

        node.Subtree = await SaveTreeAsync(tree, cancellationToken).ConfigureAwait(false);
        if (parentNode is null)
        {
            Interlocked.Increment(ref _stats.DirsNew);
        }
        else if (parentNode.Subtree == node.Subtree)
        {
            Interlocked.Increment(ref _stats.DirsUnmodified);
        }
        else
        {
            Interlocked.Increment(ref _stats.DirsChanged);
        }

        return node;
    }

    private async Task<(Tree Tree, bool Ok)> ArchiveDirectoryContentsAsync(string path, FileStatus status, Tree? parentTree, ulong rootDevice, CancellationToken cancellationToken)
    {
        IReadOnlyList<string> names;
        try
        {
            names = _fs.ReadDirectory(path);
        }
        catch (FileSystemException e)
        {
            Warn(e.Message);
            return (new Tree(new List<Node>()), false);
        }

        if (_options.ExcludeCaches && names.Contains(CacheDirTag) && HasCacheDirSignature(Join(path, CacheDirTag)))
        {
            return (new Tree(new List<Node>()), false);
        }

        _current = path;
        var pending = new List<Task<Node?>>(names.Count);
        foreach (var name in names)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var childPath = Join(path, name);
            if (_options.Excludes.IsExcluded(childPath))
            {
                continue;
            }

            FileStatus childStatus;
            try
            {
                childStatus = _fs.LStat(childPath);
            }
            catch (FileSystemException e)
            {
                Warn(e.Message);
                continue;
            }

            pending.Add(await ArchiveEntryAsync(childPath, name, childStatus, parentTree?.Find(name), rootDevice, cancellationToken).ConfigureAwait(false));
        }

        var nodes = new List<Node>(pending.Count);
        foreach (var task in pending)
        {
            if (await task.ConfigureAwait(false) is { } node)
            {
                nodes.Add(node);
            }
        }

        return (new Tree(nodes), true);
    }

    private async Task<Node?> ArchiveFileAsync(string path, string name, FileStatus status, Node? parentNode, CancellationToken cancellationToken)
    {
        var node = TryNewNode(name, path, status);
        if (node is null)
        {
            return null;
        }

        Interlocked.Increment(ref _stats.TotalFilesProcessed);
        if (parentNode is not null && IsUnchanged(parentNode, node, status) && AllContentKnown(parentNode.Content!))
        {
            node.Content = parentNode.Content;
            node.Size = parentNode.Size;
            Interlocked.Increment(ref _stats.FilesUnmodified);
            Interlocked.Add(ref _stats.BytesUnmodified, (long)node.Size);
            Interlocked.Add(ref _stats.TotalBytesProcessed, (long)node.Size);
            Interlocked.Add(ref _bytesDone, (long)node.Size);
            Interlocked.Increment(ref _filesDone);
            return node;
        }

        try
        {
            var (content, size) = await ReadContentAsync(path, status, cancellationToken).ConfigureAwait(false);
            node.Content = content;
            node.Size = (ulong)size;
        }
        catch (FileSystemException e)
        {
            Warn(e.Message);
            return null;
        }
        catch (IOException e)
        {
            Warn($"{path}: read failed: {e.Message}");
            return null;
        }

        Interlocked.Increment(ref parentNode is null ? ref _stats.FilesNew : ref _stats.FilesChanged);
        Interlocked.Add(ref parentNode is null ? ref _stats.BytesNew : ref _stats.BytesChanged, (long)node.Size);
        Interlocked.Add(ref _stats.TotalBytesProcessed, (long)node.Size);
        Interlocked.Add(ref _stats.BytesRead, (long)node.Size);
        Interlocked.Increment(ref _filesDone);
        return node;
    }

    private async Task<(List<Id> Content, long Size)> ReadContentAsync(string path, FileStatus status, CancellationToken cancellationToken)
    {
        using var handle = _fs.OpenRead(path);
        var opened = _fs.Stat(handle);
        if (opened.Kind != FileKind.Regular || opened.Inode != status.Inode || opened.Device != status.Device)
        {
            throw new IOException("the file was replaced while being backed up; it is left out of this snapshot");
        }

        var content = new List<Id>();
        long size = 0;

        // Files below the minimum chunk size are one chunk: read them whole, without the chunker.
        if (status.Size < Chunker.MinSize)
        {
            var want = (int)status.Size + 1;
            var whole = new SegmentedBuffer(BlobBuffers.Segments);
            var handedOff = false;
            try
            {
                // want <= MinSize, the segment size: one segment holds the file and shows whether it grew.
                var buffer = whole.AddSegment();
                var read = 0;
                int n;
                while (read < want && (n = RandomAccess.Read(handle, buffer.Span[read..want], read)) > 0)
                {
                    read += n;
                }

                if (read < want)
                {
                    whole.SetLength(read);
                    if (read > 0)
                    {
                        handedOff = await AddChunkAsync(whole, content, cancellationToken).ConfigureAwait(false);
                    }

                    return (content, read);
                }
            }
            finally
            {
                if (!handedOff)
                {
                    whole.Dispose();
                }
            }

            // The file grew since it was stat'ed: fall through and chunk it from the start.
            content.Clear();
        }

        using var stream = new FileStream(handle, FileAccess.Read, bufferSize: 0);
        using var chunks = new StreamChunker(stream, _repository.Config.ChunkerPolynomial, BlobBuffers.Segments);
        while (chunks.TryReadNext(out var chunk))
        {
            // The chunk is ours: it goes to the blob workers as it is, or back to the pool.
            var handedOff = false;
            var length = chunk.Length;
            try
            {
                handedOff = await AddChunkAsync(chunk, content, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                if (!handedOff)
                {
                    chunk.Dispose();
                }
            }

            size += length;
        }

        return (content, size);
    }

    /// <summary>Hashes a chunk, records it, and queues it for storing if new. Returns true if the chunk was handed off.</summary>
    private async ValueTask<bool> AddChunkAsync(SegmentedBuffer chunk, List<Id> content, CancellationToken cancellationToken)
    {
        Span<byte> digest = stackalloc byte[Id.Size];
        chunk.ComputeSha256(digest);
        var id = new Id(digest);
        content.Add(id);
        Interlocked.Add(ref _bytesDone, chunk.Length);
        if (_packer.IsKnown(BlobType.Data, id))
        {
            return false;
        }

        await _blobs.Writer.WriteAsync(new BlobJob(BlobType.Data, id, chunk), cancellationToken).ConfigureAwait(false);
        return true;
    }

    private async Task<Id> SaveTreeAsync(Tree tree, CancellationToken cancellationToken)
    {
        var bytes = tree.Serialize();
        var id = Id.Hash(bytes);
        await _packer.SaveAsync(BlobType.Tree, id, bytes, cancellationToken).ConfigureAwait(false);
        return id;
    }

    private async Task<Tree?> LoadParentSubtreeAsync(Node? parentNode, CancellationToken cancellationToken)
    {
        if (parentNode is not { Type: NodeType.Dir, Subtree: { } subtree })
        {
            return null;
        }

        try
        {
            return await _repository.LoadTreeAsync(subtree, cancellationToken).ConfigureAwait(false);
        }
        catch (RepositoryFormatException e)
        {
            // A damaged parent only costs re-reading; the new snapshot does not depend on it.
            Warn($"parent tree {subtree.ToShortString()} unusable, reading everything below it: {e.Message}");
            return null;
        }
    }

    private static bool IsUnchanged(Node parent, Node current, FileStatus status) =>
        parent.Type == NodeType.File
        && parent.Content is not null
        && parent.ModTime.ToTimespec() == status.Mtime
        && parent.ChangeTime.ToTimespec() == status.Ctime
        && parent.Size == (ulong)status.Size
        && parent.Inode == current.Inode;

    private bool AllContentKnown(List<Id> content)
    {
        foreach (var id in content)
        {
            if (!_packer.IsKnown(BlobType.Data, id))
            {
                return false;
            }
        }

        return true;
    }

    private Node? TryNewNode(string name, string path, FileStatus status)
    {
        try
        {
            return NewNode(name, path, status);
        }
        catch (FileSystemException e)
        {
            Warn(e.Message);
            return null;
        }
    }

    /// <summary>A node with all metadata restic records, for the entry's type.</summary>
    private Node NewNode(string name, string path, FileStatus status)
    {
        var type = status.Kind switch
        {
            FileKind.Regular => NodeType.File,
            FileKind.Directory => NodeType.Dir,
            FileKind.Symlink => NodeType.Symlink,
            FileKind.BlockDevice => NodeType.Dev,
            FileKind.CharDevice => NodeType.Chardev,
            FileKind.Fifo => NodeType.Fifo,
            _ => NodeType.Socket,
        };
        var mtime = GoTime.FromTimespec(status.Mtime, _options.TimeZone);
        var node = new Node
        {
            Name = name,
            Type = type,
            Mode = GoFileMode.FromUnixMode(status.Mode),
            ModTime = mtime,
            AccessTime = _options.WithAtime ? GoTime.FromTimespec(status.Atime, _options.TimeZone) : mtime,
            ChangeTime = GoTime.FromTimespec(status.Ctime, _options.TimeZone),
            Uid = status.Uid,
            Gid = status.Gid,
            User = _fs.UserName(status.Uid),
            Group = _fs.GroupName(status.Gid),
            Inode = status.Inode,
            DeviceId = status.Device,
            Links = type is NodeType.File or NodeType.Symlink or NodeType.Dev or NodeType.Chardev ? status.Links : 0,
        };
        switch (type)
        {
            case NodeType.File:
                node.Content = new List<Id>();
                break;
            case NodeType.Symlink:
                node.LinkTarget = _fs.ReadLink(path);
                break;
            case NodeType.Dev:
            case NodeType.Chardev:
                node.Device = status.RDev;
                break;
        }

        if (type != NodeType.Symlink)
        {
            try
            {
                var xattrs = _fs.ReadExtendedAttributes(path);
                if (xattrs.Count > 0)
                {
                    node.ExtendedAttributes = xattrs.ToList();
                }
            }
            catch (FileSystemException e)
            {
                Warn(e.Message);
            }
        }

        return node;
    }

    private bool HasCacheDirSignature(string path)
    {
        try
        {
            using var handle = _fs.OpenRead(path);
            var buffer = new byte[CacheDirSignature.Length];
            var n = RandomAccess.Read(handle, buffer, 0);
            return n == buffer.Length && buffer.AsSpan().SequenceEqual(CacheDirSignature);
        }
        catch (FileSystemException)
        {
            return false;
        }
    }

    private void Warn(string message) => _warnings.Enqueue(message);

    private static string Join(string directory, string name) => directory == "/" ? "/" + name : directory + "/" + name;

    private sealed class VirtualDirectory(string realPath)
    {
        public string RealPath { get; } = realPath;

        public string? TargetPath { get; set; }

        public SortedDictionary<string, VirtualDirectory> Children { get; } = new(StringComparer.Ordinal);
    }

    private readonly record struct BlobJob(BlobType Type, Id Id, SegmentedBuffer Chunk);
}
