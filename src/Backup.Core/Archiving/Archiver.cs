using Backup.Core.Buffers;
using System.Buffers;
using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;
using System.Threading.Channels;
using Backup.Core.Chunking;
using Backup.Core.FileSystem;
using Backup.Core.Model;
using Backup.Core.Repository;

namespace Backup.Core.Archiving;

/// <summary>
/// Backs up paths into trees and blobs. The walk is depth-first and builds each directory's tree
/// once all its entries are done; up to <see cref="ArchiverOptions.DirectoryConcurrency"/> directories are
/// walked at once, file contents are read by up to <see cref="ArchiverOptions.FileConcurrency"/>
/// concurrent file tasks, and new chunks are compressed and encrypted by one blob worker per core
/// behind a bounded queue, so memory stays bounded whatever the number and size of files.
/// A file whose type, size, mtime, ctime and inode equal its node in the parent snapshot keeps the
/// parent's content list without being read.
/// With a partial <see cref="ScanPlan"/> only the directories the change journal named are looked at; every
/// other subtree is taken from the parent snapshot without a stat, and the tree is the one a full scan makes.
/// </summary>
public sealed class Archiver
{
    private const string CacheDirTag = "CACHEDIR.TAG";
    private const int Enoent = 2;
    private const int Enotdir = 20;
    private static readonly byte[] CacheDirSignature = "Signature: 8a477f597d28d172789f06886806bc55"u8.ToArray();

    private readonly Repository.Repository _repository;
    private readonly IFileSystem _fs;
    private readonly BlobPacker _packer;
    private readonly ArchiverOptions _options;
    private readonly ConcurrentDictionary<InodeKey, byte> _linked = new();
    private readonly ConcurrentDictionary<string, byte> _listed = new(StringComparer.Ordinal);
    private ArchiveStats _stats = new();
    private DirtyTree? _dirty;
    private ConcurrentDictionary<ContentKey, (List<Id> Content, ulong Size)>? _readContent;
    private long _directoriesVisited;
    private readonly ConcurrentQueue<string> _warnings = new();
    private readonly SemaphoreSlim _fileSlots;
    private readonly SemaphoreSlim _directorySlots;
    private readonly Channel<BlobJob> _blobs;
    private long _filesDone;
    private long _bytesDone;
    private volatile string? _current;
    private CancellationTokenSource? _failure;

    public Archiver(Repository.Repository repository, IFileSystem fileSystem, BlobPacker packer, ArchiverOptions options)
    {
        _repository = repository;
        _fs = fileSystem;
        _packer = packer;
        _options = options;
        _fileSlots = new SemaphoreSlim(options.FileConcurrency, options.FileConcurrency);

        // The walk that RunAsync itself carries is one of the directories at work; the slots are for the others.
        var directoryTasks = Math.Max(0, options.DirectoryConcurrency - 1);
        _directorySlots = new SemaphoreSlim(directoryTasks, Math.Max(1, directoryTasks));
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
        _failure = failure;
        var workers = Enumerable.Range(0, Math.Max(1, Environment.ProcessorCount))
            .Select(_ => Task.Run(() => BlobWorkerAsync(failure), CancellationToken.None))
            .ToArray();

        Id root = default;
        ExceptionDispatchInfo? walkError = null;
        var fullScanReason = FullScanReason(parentRoot);
        try
        {
            var targets = BuildTargets(_options.Paths);
            root = fullScanReason is null
                ? await ArchivePartialAsync(targets, parentRoot!, _options.Plan!, failure.Token).ConfigureAwait(false)
                : await ArchiveVirtualAsync(targets, parentRoot, DirtyTree.All, failure.Token).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            failure.Cancel();
            walkError = ExceptionDispatchInfo.Capture(e);
        }

        _blobs.Writer.TryComplete();
        await Task.WhenAll(workers.Select(w => w.ContinueWith(_ => { }, TaskScheduler.Default))).ConfigureAwait(false);
        if (walkError is not null)
        {
            // A blob worker that failed (a pack that could not be written) stopped the walk through the shared
            // cancellation: report what went wrong, not the cancellation it caused.
            var workerError = workers.Where(w => w.IsFaulted).Select(w => w.Exception!.GetBaseException()).FirstOrDefault(e => e is not OperationCanceledException);
            if (walkError.SourceException is OperationCanceledException && !cancellationToken.IsCancellationRequested && workerError is not null)
            {
                ExceptionDispatchInfo.Throw(workerError);
            }

            walkError.Throw();
        }

        foreach (var w in workers)
        {
            await w.ConfigureAwait(false);
        }

        var scan = new ScanReport(fullScanReason is null ? ScanReport.Journal : ScanReport.Full, fullScanReason, Interlocked.Read(ref _directoriesVisited));
        // Directories are walked in parallel, so warnings arrive in no fixed order; sorted, most of them by path, the
        // same failures read the same in every run's summary.
        return new ArchiveResult { RootTree = root, Stats = _stats, Warnings = _warnings.Order(StringComparer.Ordinal).ToList(), Scan = scan };
    }

    /// <summary>Why this run must look at everything, or null when the plan's directories are enough.</summary>
    private string? FullScanReason(Tree? parentRoot) => _options.Plan switch
    {
        null => "no change journal",
        { IsFull: true } plan => plan.Reason,
        { } plan when parentRoot is null => $"parent snapshot {plan.ParentSnapshot} not given",
        _ when _options.WithAtime => "access times are recorded and the change journal does not see reads",
        _ => null,
    };

    /// <summary>
    /// Archives the plan's directories over the parent snapshot. Hard links make one inode's change show in
    /// directories the journal did not name; when a pass meets such inodes, their other directories are found
    /// in the parent snapshot and the pass is repeated with those listed too (content read is remembered).
    /// </summary>
    private async Task<Id> ArchivePartialAsync(VirtualDirectory targets, Tree parentRoot, ScanPlan plan, CancellationToken cancellationToken)
    {
        _dirty = DirtyTree.Build(plan.Directories);
        _readContent = new ConcurrentDictionary<ContentKey, (List<Id>, ulong)>();
        foreach (var inode in plan.ChangedInodes)
        {
            _linked.TryAdd(inode, 0);
        }

        var searched = new HashSet<InodeKey>();
        while (true)
        {
            var root = await ArchiveVirtualAsync(targets, parentRoot, _dirty, cancellationToken).ConfigureAwait(false);
            var wanted = _linked.Keys.Where(k => !searched.Contains(k)).ToHashSet();
            if (wanted.Count == 0)
            {
                return root;
            }

            searched.UnionWith(wanted);
            var stale = false;
            foreach (var (directory, flags) in await FindLinkHoldersAsync(targets, parentRoot, wanted, cancellationToken).ConfigureAwait(false))
            {
                if (!_listed.ContainsKey(directory))
                {
                    stale |= _dirty.Add(directory, flags);
                }
            }

            if (!stale)
            {
                return root;
            }

            _stats = new ArchiveStats();
            _warnings.Clear();
            _listed.Clear();
        }
    }

    /// <summary>
    /// The directories of the parent snapshot holding a non-directory node of one of these inodes: only tree
    /// loads, no stats. A parent tree that cannot be read makes its directory walked in full.
    /// </summary>
    private async Task<List<(string Path, DirtyFlags Flags)>> FindLinkHoldersAsync(VirtualDirectory targets, Tree parentRoot, HashSet<InodeKey> wanted, CancellationToken cancellationToken)
    {
        var found = new List<(string, DirtyFlags)>();
        var trees = new Stack<(string Path, Tree Tree)>();
        var virtuals = new Stack<(VirtualDirectory Directory, Tree Tree)>();
        virtuals.Push((targets, parentRoot));
        while (virtuals.TryPop(out var level))
        {
            if (level.Directory.TargetPath is { } whole)
            {
                trees.Push((whole, level.Tree));
                continue;
            }

            foreach (var (name, child) in level.Directory.Children)
            {
                var path = child.TargetPath ?? child.RealPath;
                if (await LoadForSearchAsync(level.Tree.Find(name), path, found, cancellationToken).ConfigureAwait(false) is not { } subtree)
                {
                    continue;
                }

                if (child.TargetPath is not null)
                {
                    trees.Push((path, subtree));
                }
                else
                {
                    virtuals.Push((child, subtree));
                }
            }
        }

        while (trees.TryPop(out var entry))
        {
            var holds = false;
            foreach (var node in entry.Tree.Nodes)
            {
                if (node.Type == NodeType.Dir)
                {
                    var path = Join(entry.Path, node.Name);
                    if (await LoadForSearchAsync(node, path, found, cancellationToken).ConfigureAwait(false) is { } subtree)
                    {
                        trees.Push((path, subtree));
                    }
                }
                else if (!holds && wanted.Contains(new InodeKey(node.DeviceId, node.Inode)))
                {
                    holds = true;
                    found.Add((entry.Path, DirtyFlags.Children));
                }
            }
        }

        return found;
    }

    private async Task<Tree?> LoadForSearchAsync(Node? node, string path, List<(string, DirtyFlags)> found, CancellationToken cancellationToken)
    {
        if (node is not { Type: NodeType.Dir, Subtree: { } subtree })
        {
            return null;
        }

        try
        {
            return await _repository.LoadTreeAsync(subtree, cancellationToken).ConfigureAwait(false);
        }
        catch (RepositoryFormatException)
        {
            found.Add((path, DirtyFlags.Recursive));
            return null;
        }
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

    /// <param name="scope">The plan's dirty tree, rooted at "/", or <see cref="DirtyTree.All"/> for a full scan.</param>
    private async Task<Id> ArchiveVirtualAsync(VirtualDirectory directory, Tree? parent, DirtyTree scope, CancellationToken cancellationToken)
    {
        if (directory.TargetPath is { } whole)
        {
            var status = _fs.LStat(whole);
            var dirty = scope.Find(whole) ?? new DirtyTree();
            var (tree, _) = await ArchiveContentsAsync(whole, parent, status.Device, dirty, cancellationToken).ConfigureAwait(false);
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

                var dirty = scope.Find(target);
                node = await (await ArchiveEntryAsync(target, name, status, parentNode, status.Device, dirty, cancellationToken).ConfigureAwait(false)).ConfigureAwait(false);
            }
            else
            {
                var status = _fs.LStat(child.RealPath);
                var parentSubtree = await LoadParentSubtreeAsync(parentNode, cancellationToken).ConfigureAwait(false);
                node = NewNode(name, child.RealPath, status);
                node.Subtree = await ArchiveVirtualAsync(child, parentSubtree, scope, cancellationToken).ConfigureAwait(false);
            }

            if (node is not null)
            {
                nodes.Add(node);
            }
        }

        return await SaveTreeAsync(new Tree(nodes), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Starts archiving one entry: files to read, and directories that get a walk of their own, complete in the background.</summary>
    /// <param name="dirty">For a directory: what the plan says below it; null when nothing (see <see cref="ArchiveDirectoryAsync"/>).</param>
    private async Task<Task<Node?>> ArchiveEntryAsync(string path, string name, FileStatus status, Node? parentNode, ulong rootDevice, DirtyTree? dirty, CancellationToken cancellationToken)
    {
        if (_dirty is not null && status.Kind != FileKind.Directory && status.Links > 1)
        {
            // Its other links may sit in directories the journal did not name; they show the same new metadata.
            _linked.TryAdd(new InodeKey(status.Device, status.Inode), 0);
        }

        switch (status.Kind)
        {
            case FileKind.Regular when parentNode is not null && IsUnchanged(parentNode, status) && AllContentKnown(parentNode.Content!):
                // Nothing to read: the walk does it, at less cost than a task and a file slot.
                return Task.FromResult(KeepFile(path, name, status, parentNode));
            case FileKind.Regular:
                await _fileSlots.WaitAsync(cancellationToken).ConfigureAwait(false);
                return StartInSlot(() => ArchiveFileAsync(path, name, status, parentNode, cancellationToken), _fileSlots);
            case FileKind.Directory:
                return await ArchiveDirectoryAsync(path, name, status, parentNode, rootDevice, dirty, cancellationToken).ConfigureAwait(false);
            case FileKind.Socket:
                // Sockets are runtime objects; restic skips them too.
                return NoNode;
            default:
                return Task.FromResult(TryNewNode(name, path, status));
        }
    }

    /// <summary>
    /// Archives a directory whose stat the caller made. In a partial run, <paramref name="dirty"/> null means the
    /// journal saw nothing at or below it: if the stat shows the parent snapshot's directory (same inode and
    /// ctime, so not replaced by a new one), its subtree is reused without looking inside.
    /// A directory that has to be walked is walked by a task of its own if a directory slot is free right now,
    /// else here, by the caller's walk.
    /// </summary>
    /// <remarks>
    /// Taking a slot never waits, so a walk that holds a slot, and waits for the entries it started, only
    /// ever waits for walks and file tasks that are already running (or for a file slot, which file tasks free
    /// without needing anything a walk holds): no cycle of waits can form, and at most
    /// <see cref="ArchiverOptions.DirectoryConcurrency"/> directories are walked at once (memory: each walk
    /// holds the entries of the directories on its path, as the single walk did). The tree does not depend on
    /// which walk did what: a directory's nodes are gathered in listing order and sorted when serialized.
    /// </remarks>
    private async Task<Task<Node?>> ArchiveDirectoryAsync(string path, string name, FileStatus status, Node? parentNode, ulong rootDevice, DirtyTree? dirty, CancellationToken cancellationToken)
    {
        var node = TryNewNode(name, path, status);
        if (node is null)
        {
            return NoNode;
        }

        if (_options.OneFileSystem && status.Device != rootDevice)
        {
            // A mount point: keep the directory itself so a restore recreates it, but not what is mounted there.
            node.Subtree = await SaveTreeAsync(new Tree(new List<Node>()), cancellationToken).ConfigureAwait(false);
        }
        else if ((dirty is null && IsSameDirectory(parentNode, status, sameCtime: true))
                 || (dirty is { MustList: false, HasChildren: false } && IsSameDirectory(parentNode, status, sameCtime: false)))
        {
            node.Subtree = parentNode!.Subtree;
        }
        else
        {
            // New, or not the directory the parent snapshot has under this name: nothing of it can be reused.
            var scope = dirty is null || (!dirty.MustList && !IsSameDirectory(parentNode, status, sameCtime: false)) ? DirtyTree.All : dirty;
            return _directorySlots.Wait(0)
                ? StartInSlot(() => WalkDirectoryAsync(path, node, status, parentNode, rootDevice, scope, cancellationToken), _directorySlots)
                : Task.FromResult(await WalkDirectoryAsync(path, node, status, parentNode, rootDevice, scope, cancellationToken).ConfigureAwait(false));
        }

        CountDirectory(node, parentNode);
        return Task.FromResult<Node?>(node);
    }

    /// <summary>Archives what is in a directory into its node's subtree; null when the directory is to be left out.</summary>
    private async Task<Node?> WalkDirectoryAsync(string path, Node node, FileStatus status, Node? parentNode, ulong rootDevice, DirtyTree dirty, CancellationToken cancellationToken)
    {
        var parentTree = await LoadParentSubtreeAsync(parentNode, cancellationToken).ConfigureAwait(false);
        var (contents, ok) = await ArchiveContentsAsync(path, parentTree, rootDevice, dirty, cancellationToken).ConfigureAwait(false);
        if (!ok)
        {
            return null;
        }

        if (parentTree is not null && HoldsOnlyNodesOf(contents, parentTree))
        {
            // Every entry is the parent's node as it was: the parent's tree holds exactly these nodes and is
            // stored already (it was just read), so it is not serialized, hashed and looked up again. A
            // directory that is also unchanged itself is the parent's node, so that its own parent can do the same.
            node.Subtree = parentNode!.Subtree;
            if (HasSameMetadata(parentNode, status) && SameAttributes(node.ExtendedAttributes, parentNode.ExtendedAttributes))
            {
                node = parentNode;
            }
        }
        else
        {
            node.Subtree = await SaveTreeAsync(contents, cancellationToken).ConfigureAwait(false);
        }

        CountDirectory(node, parentNode);
        return node;
    }

    private static bool SameAttributes(List<ExtendedAttribute>? a, List<ExtendedAttribute>? b)
    {
        if ((a?.Count ?? 0) != (b?.Count ?? 0))
        {
            return false;
        }

        for (var i = 0; i < (a?.Count ?? 0); i++)
        {
            if (a![i].Name != b![i].Name || !a[i].Value.AsSpan().SequenceEqual(b[i].Value))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Whether a new tree consists of the very node objects of the parent's tree, all of them.</summary>
    private static bool HoldsOnlyNodesOf(Tree tree, Tree parentTree)
    {
        if (tree.Nodes.Count != parentTree.Nodes.Count)
        {
            return false;
        }

        foreach (var node in tree.Nodes)
        {
            if (!ReferenceEquals(parentTree.Find(node.Name), node))
            {
                return false;
            }
        }

        return true;
    }

    private void CountDirectory(Node node, Node? parentNode)
    {
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
    }

    /// <summary>
    /// Runs part of the walk as a task that gives its slot back when it ends. A failure cancels the whole run
    /// at once, so that the walks waiting for this one's siblings stop early rather than finish their subtrees.
    /// </summary>
    private Task<Node?> StartInSlot(Func<Task<Node?>> work, SemaphoreSlim slots) => Task.Run(
        async () =>
        {
            try
            {
                return await work().ConfigureAwait(false);
            }
            catch
            {
                _failure!.Cancel();
                throw;
            }
            finally
            {
                slots.Release();
            }
        },
        CancellationToken.None);

    /// <summary>
    /// Adds the nodes of a directory's entries in the order they were started, once every entry task has ended,
    /// also when the directory's walk stopped early (<paramref name="stopped"/>) or an entry failed: then the run
    /// is cancelled, no task outlives the directory that started it, and what is thrown is the first real error
    /// rather than a cancellation it caused (a cancellation only if there is nothing else).
    /// </summary>
    private async Task AddNodesAsync(List<Task<Node?>> pending, List<Node> nodes, Exception? stopped = null)
    {
        if (stopped is not null)
        {
            _failure!.Cancel();
        }

        await ((Task)Task.WhenAll(pending)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (stopped is not null and not OperationCanceledException)
        {
            ExceptionDispatchInfo.Throw(stopped);
        }

        if (pending.Find(t => t.IsFaulted && t.Exception!.InnerException is not OperationCanceledException) is { } failed)
        {
            await failed.ConfigureAwait(false);
        }

        if (stopped is not null)
        {
            ExceptionDispatchInfo.Throw(stopped);
        }

        foreach (var task in pending)
        {
            // Rethrows the cancellation of a cancelled entry.
            if (await task.ConfigureAwait(false) is { } node)
            {
                nodes.Add(node);
            }
        }
    }

    /// <summary>The tree of a directory's contents; Ok is false when the directory is to be left out.</summary>
    private Task<(Tree Tree, bool Ok)> ArchiveContentsAsync(string path, Tree? parentTree, ulong rootDevice, DirtyTree dirty, CancellationToken cancellationToken)
    {
        if (dirty.IsRecursive || parentTree is null)
        {
            return ListContentsAsync(path, parentTree, rootDevice, DirtyTree.All, cancellationToken);
        }

        return dirty.MustList
            ? ListContentsAsync(path, parentTree, rootDevice, dirty, cancellationToken)
            : RebuildContentsAsync(path, parentTree, rootDevice, dirty, cancellationToken);
    }

    /// <summary>
    /// A directory on the way to dirty ones whose own entries did not change: the parent snapshot's nodes, but
    /// the entries with dirty directories below them archived afresh. No readdir.
    /// </summary>
    private async Task<(Tree Tree, bool Ok)> RebuildContentsAsync(string path, Tree parentTree, ulong rootDevice, DirtyTree dirty, CancellationToken cancellationToken)
    {
        var dirtyEntries = new List<(string Name, string Path, DirtyTree Dirty, Node ParentNode)>();
        foreach (var (name, child) in dirty.Children)
        {
            var childPath = Join(path, name);
            if (_options.Excludes.IsExcluded(childPath))
            {
                continue;
            }

            if (parentTree.Find(name) is { } parentNode)
            {
                dirtyEntries.Add((name, childPath, child, parentNode));
            }
            else if (TryLStat(childPath, out _))
            {
                // An entry the parent snapshot lacks although this directory's entries did not change: trust what is there.
                return await ListContentsAsync(path, parentTree, rootDevice, dirty, cancellationToken).ConfigureAwait(false);
            }
        }

        var nodes = new List<Node>(parentTree.Nodes.Count);
        foreach (var parentNode in parentTree.Nodes)
        {
            if (dirty.Child(parentNode.Name) is null)
            {
                nodes.Add(parentNode);
            }
        }

        var pending = new List<Task<Node?>>(dirtyEntries.Count);
        try
        {
            foreach (var entry in dirtyEntries)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var exists = TryLStat(entry.Path, out var status);
                if (!exists || !IsSameEntry(entry.ParentNode, status))
                {
                    await NoteLinksLeavingAsync(entry.ParentNode, cancellationToken).ConfigureAwait(false);
                }

                if (exists)
                {
                    pending.Add(await ArchiveEntryAsync(entry.Path, entry.Name, status, entry.ParentNode, rootDevice, entry.Dirty, cancellationToken).ConfigureAwait(false));
                }
            }
        }
        catch (Exception e)
        {
            await AddNodesAsync(pending, nodes, e).ConfigureAwait(false);
            throw;
        }

        await AddNodesAsync(pending, nodes).ConfigureAwait(false);
        return (new Tree(nodes), true);
    }

    /// <summary>
    /// Lists a directory and archives every entry, as a full scan does. <paramref name="dirty"/> says what lies
    /// below each entry: <see cref="DirtyTree.All"/> in a full walk, else the plan's node or null.
    /// </summary>
    private async Task<(Tree Tree, bool Ok)> ListContentsAsync(string path, Tree? parentTree, ulong rootDevice, DirtyTree dirty, CancellationToken cancellationToken)
    {
        IDirectoryListing listing;
        try
        {
            listing = _fs.OpenDirectory(path);
        }
        catch (FileSystemException e)
        {
            Warn(e.Message);
            await NoteLeftOutAsync(parentTree, cancellationToken).ConfigureAwait(false);
            return (new Tree(new List<Node>()), false);
        }

        using (listing)
        {
            return await ArchiveListingAsync(path, listing, parentTree, rootDevice, dirty, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<(Tree Tree, bool Ok)> ArchiveListingAsync(string path, IDirectoryListing listing, Tree? parentTree, ulong rootDevice, DirtyTree dirty, CancellationToken cancellationToken)
    {
        var names = listing.Names;
        Interlocked.Increment(ref _directoriesVisited);
        if (_options.ExcludeCaches && names.Contains(CacheDirTag) && HasCacheDirSignature(Join(path, CacheDirTag)))
        {
            // A cache directory stays, holding only its tag, as restic and GNU tar keep it: a restore brings back
            // the directory still marked as a cache.
            names = [CacheDirTag];
        }

        _current = path;
        var partial = _dirty is not null;
        var seen = partial && parentTree is not null ? new Dictionary<string, FileStatus>(names.Count, StringComparer.Ordinal) : null;
        var pending = new List<Task<Node?>>(names.Count);
        var nodes = new List<Node>(names.Count);
        try
        {
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
                    childStatus = listing.LStat(name, childPath);
                }
                catch (FileSystemException e)
                {
                    Warn(e.Message);
                    continue;
                }

                seen?.TryAdd(name, childStatus);
                pending.Add(await ArchiveEntryAsync(childPath, name, childStatus, parentTree?.Find(name), rootDevice, dirty.Child(name), cancellationToken).ConfigureAwait(false));
            }

            if (partial)
            {
                _listed.TryAdd(path, 0);
                if (seen is not null)
                {
                    await NoteRemovedLinksAsync(parentTree!, seen, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (Exception e)
        {
            await AddNodesAsync(pending, nodes, e).ConfigureAwait(false);
            throw;
        }

        await AddNodesAsync(pending, nodes).ConfigureAwait(false);
        return (new Tree(nodes), true);
    }

    /// <summary>A directory the parent snapshot has is left out now: none of its entries is compared, so all count as gone.</summary>
    private async Task NoteLeftOutAsync(Tree? parentTree, CancellationToken cancellationToken)
    {
        if (_dirty is not null && parentTree is not null)
        {
            await NoteRemovedLinksAsync(parentTree, null, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// A link that left this directory changed its inode's link count and ctime, which its other links, maybe in
    /// directories the journal did not name, show too.
    /// </summary>
    private async Task NoteRemovedLinksAsync(Tree parentTree, Dictionary<string, FileStatus>? seen, CancellationToken cancellationToken)
    {
        foreach (var parentNode in parentTree.Nodes)
        {
            if (seen is null || !seen.TryGetValue(parentNode.Name, out var now) || !IsSameEntry(parentNode, now))
            {
                await NoteLinksLeavingAsync(parentNode, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Notes the inodes of a parent-snapshot entry that this run does not see again (deleted, replaced, moved
    /// away, or in a directory now left out): for a directory, every link in its subtree, read from the parent.
    /// </summary>
    private async Task NoteLinksLeavingAsync(Node parentNode, CancellationToken cancellationToken)
    {
        var gone = new Stack<Node>();
        gone.Push(parentNode);
        while (gone.TryPop(out var node))
        {
            if (node.Type == NodeType.Dir)
            {
                if (await LoadParentSubtreeAsync(node, cancellationToken).ConfigureAwait(false) is { } subtree)
                {
                    subtree.Nodes.ForEach(gone.Push);
                }
            }
            else if (node.Links > 1 || node.Type == NodeType.Fifo)
            {
                // FIFOs do not record their link count, so any of them that left may have had other links.
                _linked.TryAdd(new InodeKey(node.DeviceId, node.Inode), 0);
            }
        }
    }

    /// <summary>Whether an entry is still what the parent snapshot recorded: the same directory, or the same unchanged inode.</summary>
    private static bool IsSameEntry(Node parentNode, FileStatus status) =>
        parentNode.Inode == status.Inode
        && parentNode.DeviceId == status.Device
        && (parentNode.Type == NodeType.Dir ? status.Kind == FileKind.Directory : status.Ctime == parentNode.ChangeTime.ToTimespec());

    /// <summary>
    /// A file the parent snapshot shows unchanged, with the parent's content list. When the stat gives every
    /// field the parent's node holds, that node is the new one as it is: its extended attributes cannot have
    /// changed, since setting or removing one changes the ctime, which is the same.
    /// </summary>
    private Node? KeepFile(string path, string name, FileStatus status, Node parentNode)
    {
        var node = HasSameMetadata(parentNode, status) ? parentNode : TryNewNode(name, path, status);
        if (node is null)
        {
            return null;
        }

        node.Content = parentNode.Content;
        node.Size = parentNode.Size;
        Interlocked.Increment(ref _stats.TotalFilesProcessed);
        Interlocked.Increment(ref _stats.FilesUnmodified);
        Interlocked.Add(ref _stats.BytesUnmodified, (long)node.Size);
        Interlocked.Add(ref _stats.TotalBytesProcessed, (long)node.Size);
        Interlocked.Add(ref _bytesDone, (long)node.Size);
        Interlocked.Increment(ref _filesDone);
        return node;
    }

    /// <summary>A file whose content is read (or was, earlier in this run).</summary>
    private async Task<Node?> ArchiveFileAsync(string path, string name, FileStatus status, Node? parentNode, CancellationToken cancellationToken)
    {
        var node = TryNewNode(name, path, status);
        if (node is null)
        {
            return null;
        }

        Interlocked.Increment(ref _stats.TotalFilesProcessed);
        try
        {
            var key = new ContentKey(status.Device, status.Inode, status.Size, status.Mtime, status.Ctime);
            if (_readContent is not null && _readContent.TryGetValue(key, out var known) && AllContentKnown(known.Content))
            {
                // Read in an earlier pass of this run.
                node.Content = known.Content;
                node.Size = known.Size;
            }
            else
            {
                var (content, size) = await ReadContentAsync(path, status, cancellationToken).ConfigureAwait(false);
                node.Content = content;
                node.Size = (ulong)size;
                _readContent?.TryAdd(key, (content, node.Size));
            }
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
            // A run that failed waits for its file tasks: a long file of known chunks must not keep it.
            if (cancellationToken.IsCancellationRequested)
            {
                chunk.Dispose();
                cancellationToken.ThrowIfCancellationRequested();
            }

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

    /// <summary>Whether the parent snapshot's node is this very directory (and, if asked, with the same ctime).</summary>
    private static bool IsSameDirectory([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] Node? parentNode, FileStatus status, bool sameCtime) =>
        parentNode is { Type: NodeType.Dir, Subtree: not null }
        && parentNode.Inode == status.Inode
        && parentNode.DeviceId == status.Device
        && (!sameCtime || parentNode.ChangeTime.ToTimespec() == status.Ctime);

    /// <summary>lstat that treats a vanished path as absent and warns about other failures, as the listing does.</summary>
    private bool TryLStat(string path, out FileStatus status)
    {
        try
        {
            status = _fs.LStat(path);
            return true;
        }
        catch (FileSystemException e)
        {
            if (e.Errno is not (Enoent or Enotdir))
            {
                Warn(e.Message);
            }

            status = default;
            return false;
        }
    }

    private static bool IsUnchanged(Node parent, FileStatus status) =>
        parent.Type == NodeType.File
        && parent.Content is not null
        && parent.ModTime.ToTimespec() == status.Mtime
        && parent.ChangeTime.ToTimespec() == status.Ctime
        && parent.Size == (ulong)status.Size
        && parent.Inode == status.Inode;

    /// <summary>
    /// Whether <see cref="NewNode"/> would give a file or directory this parent node's fields, leaving out a
    /// file's content, a directory's subtree and extended attributes.
    /// </summary>
    private bool HasSameMetadata(Node parent, FileStatus status)
    {
        var directory = status.Kind == FileKind.Directory;
        if (!(directory ? parent.Type == NodeType.Dir && parent.Subtree is not null && parent.Content is null && parent.Size == 0
                        : status.Kind == FileKind.Regular && parent.Type == NodeType.File && parent.Subtree is null)
            || parent.Inode != status.Inode || parent.DeviceId != status.Device
            || parent.Links != (directory ? 0 : status.Links) || parent.Mode != GoFileMode.FromUnixMode(status.Mode)
            || parent.Uid != status.Uid || parent.Gid != status.Gid
            || parent.LinkTarget is not null || parent.Device != 0 || parent.Error is not null)
        {
            return false;
        }

        // The zone's offset at each instant is part of a node time; names follow the account database as it is now.
        var mtime = GoTime.FromTimespec(status.Mtime, _options.TimeZone);
        return parent.ModTime == mtime
            && parent.ChangeTime == GoTime.FromTimespec(status.Ctime, _options.TimeZone)
            && parent.AccessTime == (_options.WithAtime ? GoTime.FromTimespec(status.Atime, _options.TimeZone) : mtime)
            && (parent.User ?? "") == (_fs.UserName(status.Uid) ?? "")
            && (parent.Group ?? "") == (_fs.GroupName(status.Gid) ?? "");
    }

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

    private static readonly Task<Node?> NoNode = Task.FromResult<Node?>(null);

    private readonly record struct BlobJob(BlobType Type, Id Id, SegmentedBuffer Chunk);

    private readonly record struct ContentKey(ulong Device, ulong Inode, long Size, Timespec Mtime, Timespec Ctime);
}
