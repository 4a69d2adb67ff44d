using System.Text;
using Backup.Core.Archiving;
using Backup.Core.Backends.Local;
using Backup.Core.Crypto;
using Backup.Core.FileSystem;
using Backup.Core.Model;
using Backup.Core.Repository;
using Backup.Linux.FileSystem;
using CoreRepository = Backup.Core.Repository.Repository;

namespace Backup.Core.Tests.Archiving;

/// <summary>
/// A source tree and a repository in a temp directory, backed up with the real filesystem. Partial and full
/// runs are compared by root tree ID, which fingerprints every byte of metadata and content.
/// </summary>
public abstract class PartialScanTestBase : IAsyncLifetime
{
    private static readonly byte[] Password = Encoding.UTF8.GetBytes("partial-scan");
    private CoreRepository? _repository;

    protected PartialScanTestBase()
    {
        Root = Path.Combine(Path.GetTempPath(), "archiver-scan-" + Guid.NewGuid().ToString("N"));
        Source = Path.Combine(Root, "src");
        Directory.CreateDirectory(Source);
        Files = new LinuxFileSystem();
        Counting = new CountingFileSystem(Files);
        Journal = new SimulatedJournal(Files);
    }

    /// <summary>The temp directory: the source, the repository and anything "outside the backup paths".</summary>
    protected string Root { get; }

    /// <summary>The backup path.</summary>
    protected string Source { get; }

    protected LinuxFileSystem Files { get; }

    /// <summary>What the archiver sees; counts stats and listings.</summary>
    internal CountingFileSystem Counting { get; }

    internal SimulatedJournal Journal { get; }

    protected string RepositoryPath => Path.Combine(Root, "repo");

    public async Task InitializeAsync() =>
        await CoreRepository.InitAsync(new LocalBackend(RepositoryPath), Password, new ScryptParameters(1024, 8, 1), CancellationToken.None);

    public Task DisposeAsync()
    {
        Directory.Delete(Root, recursive: true);
        return Task.CompletedTask;
    }

    protected async Task<BackupSummary> BackupAsync(ScanPlan? plan, string? parent = null, bool force = false, ExcludeFilter? excludes = null, bool excludeCaches = false, IReadOnlyList<string>? paths = null)
    {
        var repository = await CoreRepository.OpenAsync(new LocalBackend(RepositoryPath), Password, CancellationToken.None);
        Counting.Reset();
        var request = new BackupRequest
        {
            Archiver = new ArchiverOptions
            {
                Paths = paths ?? [Source],
                Excludes = excludes ?? new ExcludeFilter(),
                ExcludeCaches = excludeCaches,
                Plan = plan,
                FileConcurrency = 2,
            },
            Hostname = "partial-scan-test",
            Parent = parent,
            Force = force,
        };
        return await BackupOperation.RunAsync(repository, Counting, request, null, CancellationToken.None);
    }

    /// <summary>
    /// Backs up with the plan and then with a full scan, both against the same parent, and asserts they made the
    /// same tree. Returns the partial run.
    /// </summary>
    protected async Task<(BackupSummary Partial, BackupSummary Full)> PartialAndFullAsync(ScanPlan plan, ExcludeFilter? excludes = null, bool excludeCaches = false, IReadOnlyList<string>? paths = null)
    {
        var partial = await BackupAsync(plan, excludes: excludes, excludeCaches: excludeCaches, paths: paths);
        var partialTouched = Counting.Stats.Concat(Counting.Listings).ToList();
        var full = await BackupAsync(null, plan.ParentSnapshot, excludes: excludes, excludeCaches: excludeCaches, paths: paths);
        Assert.Equal(ScanReport.Journal, partial.Scan.Kind);
        Assert.Equal(ScanReport.Full, full.Scan.Kind);
        Assert.Equal(plan.ParentSnapshot, partial.ParentId?.ToString());
        Assert.Equal(plan.ParentSnapshot, full.ParentId?.ToString());
        await AssertSameTreeAsync(partial.Snapshot.Tree, full.Snapshot.Tree, plan, partial.Warnings);
        Counting.Reset();
        foreach (var path in partialTouched)
        {
            Counting.Stats.Enqueue(path);
        }

        return (partial, full);
    }

    /// <summary>
    /// Runs the archiver alone, without a lock or a snapshot: for tests that back up many times. The repository
    /// stays open between runs; its index learns each run's blobs.
    /// </summary>
    internal async Task<ArchiveResult> ArchiveAsync(ScanPlan? plan, Id? parentRoot, ExcludeFilter? excludes = null, bool excludeCaches = false)
    {
        if (_repository is null)
        {
            _repository = await CoreRepository.OpenAsync(new LocalBackend(RepositoryPath), Password, CancellationToken.None);
            await _repository.LoadIndexAsync(CancellationToken.None);
        }

        var parent = parentRoot is { } id ? await _repository.LoadTreeAsync(id, CancellationToken.None) : null;
        Counting.Reset();
        var options = new ArchiverOptions
        {
            Paths = [Source],
            Excludes = excludes ?? new ExcludeFilter(),
            ExcludeCaches = excludeCaches,
            Plan = plan,
            FileConcurrency = 2,
        };
        await using var packer = new BlobPacker(_repository);
        var result = await new Archiver(_repository, Counting, packer, options).RunAsync(parent, CancellationToken.None);
        await packer.FlushAsync(CancellationToken.None);
        return result;
    }

    /// <summary>Asserts two root trees are equal below the shared temp directory, naming the first difference if not.</summary>
    protected async Task AssertSameTreeAsync(Id partialRoot, Id fullRoot, ScanPlan plan, IReadOnlyList<string> warnings)
    {
        var partialTree = await BelowSharedTempAsync(partialRoot);
        var fullTree = await BelowSharedTempAsync(fullRoot);
        if (partialTree != fullTree)
        {
            var difference = await DescribeDifferenceAsync(partialTree, fullTree);
            Assert.Fail($"partial tree {partialTree.ToShortString()} differs from full tree {fullTree.ToShortString()}: {difference}\nplan: {string.Join(", ", plan.Directories)} inodes {string.Join(", ", plan.ChangedInodes)}\nwarnings: {string.Join("; ", warnings)}");
        }
    }

    /// <summary>A backup that ignores the parent and reads everything gives the same tree; returns that backup.</summary>
    protected async Task<BackupSummary> AssertSameAsReadAfreshAsync(BackupSummary summary)
    {
        var fresh = await BackupAsync(null, force: true);
        Assert.Null(fresh.ParentId);
        Assert.Equal(await BelowSharedTempAsync(fresh.Snapshot.Tree), await BelowSharedTempAsync(summary.Snapshot.Tree));
        return fresh;
    }

    /// <summary>
    /// The tree holding <see cref="Root"/>'s node. The directories above it (/tmp) are shared with whatever else
    /// runs on the machine, so their own metadata can change between two runs; everything of the test is below.
    /// </summary>
    protected async Task<Id> BelowSharedTempAsync(Id root)
    {
        var shared = Path.GetDirectoryName(Root)!;
        var node = await FindNodeAsync(root, shared);
        return node?.Subtree ?? throw new InvalidOperationException($"no {shared} in tree {root}");
    }

    protected async Task<Tree> LoadTreeAsync(Id id)
    {
        var repository = await CoreRepository.OpenAsync(new LocalBackend(RepositoryPath), Password, CancellationToken.None);
        await repository.LoadIndexAsync(CancellationToken.None);
        return await repository.LoadTreeAsync(id, CancellationToken.None);
    }

    /// <summary>The node at a path of the backed-up source, by walking a snapshot's tree.</summary>
    protected async Task<Node?> FindNodeAsync(Id root, string absolutePath)
    {
        var tree = await LoadTreeAsync(root);
        Node? node = null;
        foreach (var component in absolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (node is not null)
            {
                if (node.Subtree is not { } subtree)
                {
                    return null;
                }

                tree = await LoadTreeAsync(subtree);
            }

            node = tree.Find(component);
            if (node is null)
            {
                return null;
            }
        }

        return node;
    }

    protected async Task<string> DescribeDifferenceAsync(Id a, Id b, string path = "")
    {
        var left = await LoadTreeAsync(a);
        var right = await LoadTreeAsync(b);
        var names = left.Nodes.Select(n => n.Name).Union(right.Nodes.Select(n => n.Name)).Order(StringComparer.Ordinal);
        foreach (var name in names)
        {
            var l = left.Find(name);
            var r = right.Find(name);
            if (l is null || r is null)
            {
                return $"{path}/{name} only in the {(l is null ? "full" : "partial")} tree";
            }

            if (l.Subtree is { } ls && r.Subtree is { } rs && ls != rs)
            {
                return await DescribeDifferenceAsync(ls, rs, path + "/" + name);
            }

            var lj = Encoding.UTF8.GetString(l.ToJson());
            var rj = Encoding.UTF8.GetString(r.ToJson());
            if (lj != rj)
            {
                return $"{path}/{name}:\n  partial {lj}\n  full    {rj}";
            }
        }

        return $"{path}: same nodes, different bytes";
    }

    protected static void WriteFile(string path, string text) => File.WriteAllText(path, text);

    /// <summary>Lets the clock move on, so a change right after a backup shows in ctime/mtime.</summary>
    protected static void Tick() => Thread.Sleep(15);
}
