using System.Diagnostics;
using System.Reflection;
using System.Runtime.ExceptionServices;
using System.Text;
using System.Text.Json;
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
/// Directories walked at once must make the very tree, counts and warnings of a walk that takes them one after
/// another, on a tree with hard links across directories, excludes, a cache directory and an unreadable
/// directory; and a failed or cancelled run must not leave a walk behind.
/// </summary>
public sealed class ArchiverParallelWalkTests : IAsyncLifetime
{
    private const string Password = "parallel-walk";
    private const int Parallel = 8;


    public ArchiverParallelWalkTests()
    {
        Root = Path.Combine(Path.GetTempPath(), "archiver-walk-" + Guid.NewGuid().ToString("N"));
        Source = Path.Combine(Root, "src");
        Directory.CreateDirectory(Source);
        CreateTree();
    }

    private string Root { get; }

    private string Source { get; }

    private string RepositoryPath => Path.Combine(Root, "repo");

    /// <summary>Listed by the probe as if permission were denied.</summary>
    private string Unreadable => Source + "/d6/s4";

    public async Task InitializeAsync() =>
        await CoreRepository.InitAsync(new LocalBackend(RepositoryPath), Encoding.UTF8.GetBytes(Password), new ScryptParameters(1024, 8, 1), CancellationToken.None);

    public Task DisposeAsync()
    {
        Directory.Delete(Root, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Walks_overlap_and_make_the_tree_counts_and_warnings_of_a_serial_walk_with_and_without_a_parent()
    {
        var serial = await ArchiveAsync(1, null, probe => probe.Fault = Deny);
        var parallel = await ArchiveAsync(Parallel, null, Overlapping);

        Assert.Equal(1, serial.Probe.MaxConcurrentListings);
        Assert.True(parallel.Probe.MaxConcurrentListings > 1, $"at most {parallel.Probe.MaxConcurrentListings} listing at once");
        Assert.Equal(serial.Source, parallel.Source);
        AssertSameCounts(serial.Result, parallel.Result);
        Assert.Contains(parallel.Result.Warnings, w => w.Contains(Unreadable, StringComparison.Ordinal));
        Assert.Equal(serial.Result.Warnings, parallel.Result.Warnings);

        // The tree really holds what the walks had to get right.
        Assert.NotNull(await FindAsync(parallel.Source, "d2/cache/CACHEDIR.TAG"));
        Assert.Null(await FindAsync(parallel.Source, "d2/cache/entries"));
        Assert.Null(await FindAsync(parallel.Source, "d4/build"));
        Assert.Null(await FindAsync(parallel.Source, "d1/s1/f1.tmp"));
        Assert.Null(await FindAsync(parallel.Source, "d6/s4"));
        Assert.NotNull(await FindAsync(parallel.Source, "d6/s3"));
        Assert.Equal(2u, (await FindAsync(parallel.Source, "d5/s3/link"))!.Links);
        Assert.Equal(3u, (await FindAsync(parallel.Source, "deep/1/2/3/hard"))!.Links);

        // No change since: metadata only, against the parent, makes the same tree again.
        var parent = await LoadTreeAsync(parallel.Result.RootTree);
        var serialAgain = await ArchiveAsync(1, parent, probe => probe.Fault = Deny);
        var parallelAgain = await ArchiveAsync(Parallel, parent, Overlapping);
        Assert.True(parallelAgain.Probe.MaxConcurrentListings > 1, $"at most {parallelAgain.Probe.MaxConcurrentListings} listing at once");
        Assert.Equal(parallel.Source, serialAgain.Source);
        Assert.Equal(parallel.Source, parallelAgain.Source);
        AssertSameCounts(serialAgain.Result, parallelAgain.Result);
        Assert.Equal(0, parallelAgain.Result.Stats.BytesRead);
        Assert.Equal(parallel.Result.Stats.FilesNew, parallelAgain.Result.Stats.FilesUnmodified);
    }

    /// <summary>With excludes and the cache directory exclusion, which keeps a cache directory with only its CACHEDIR.TAG.</summary>
    [ResticFact]
    public async Task Parallel_walk_makes_the_tree_restic_makes()
    {
        var ours = await ArchiveAsync(Parallel, null, probe => probe.WaitsForAnother = path => path != Source, excludeCaches: true);

        var environment = new Dictionary<string, string>
        {
            ["RESTIC_REPOSITORY"] = RepositoryPath,
            ["RESTIC_PASSWORD"] = Password,
            ["RESTIC_CACHE_DIR"] = Path.Combine(Root, "restic-cache"),
            ["TZ"] = "UTC",
        };
        Restic(environment, "backup", "--exclude", "build", "--exclude", "*.tmp", "--exclude-caches", Source);
        var snapshot = JsonDocument.Parse(Restic(environment, "snapshots", "--json")).RootElement.EnumerateArray().Single();
        var resticRoot = Id.Parse(snapshot.GetProperty("tree").GetString()!);

        Assert.True(ours.Probe.MaxConcurrentListings > 1);
        Assert.Equal(await SourceSubtreeAsync(resticRoot), ours.Source);
    }

    /// <summary>Directories where a run stops: at the top, one level down, at the bottom of a chain.</summary>
    public static TheoryData<string> StopPoints => new() { "d1", "d7/s5", "deep/1/2/3/4/5" };

    [Theory]
    [MemberData(nameof(StopPoints))]
    public async Task A_walk_that_fails_stops_the_others_before_the_run_ends_and_its_error_is_what_is_thrown(string failing)
    {
        var fault = new InvalidOperationException("the disk went away");

        var (run, probe) = StopListing(failing, () => fault, CancellationToken.None);

        Assert.Same(fault, await Assert.ThrowsAsync<InvalidOperationException>(() => run));
        AssertNothingLeftRunning(probe);
    }

    [Theory]
    [MemberData(nameof(StopPoints))]
    public async Task A_cancelled_run_ends_after_every_walk_stopped(string seenFirstBy)
    {
        using var cancel = new CancellationTokenSource();

        // Seen at once by the walk listing that directory, later by the others.
        var (run, probe) = StopListing(
            seenFirstBy,
            () =>
            {
                cancel.Cancel();
                return new OperationCanceledException(cancel.Token);
            },
            cancel.Token);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        AssertNothingLeftRunning(probe);
    }

    /// <summary>A parallel run in which listing one directory throws while other walks are listing.</summary>
    private (Task Run, WalkProbe Probe) StopListing(string relativePath, Func<Exception> thrown, CancellationToken cancellationToken)
    {
        WalkProbe? probe = null;
        var run = ArchiveAsync(
            Parallel,
            null,
            p =>
            {
                probe = p;
                p.ListingDelay = TimeSpan.FromMilliseconds(10);
                p.Stop = (Source + "/" + relativePath, thrown);
            },
            cancellationToken);
        return (run, probe!);
    }

    private static void AssertNothingLeftRunning(WalkProbe probe)
    {
        Assert.Equal(0, probe.CallsUnderWay);
        var calls = probe.Calls;
        Thread.Sleep(300);
        Assert.Equal(calls, probe.Calls);
    }

    private static void AssertSameCounts(ArchiveResult expected, ArchiveResult actual)
    {
        Assert.Equal(JsonSerializer.Serialize(expected.Stats, StatsJson), JsonSerializer.Serialize(actual.Stats, StatsJson));
        Assert.Equal(expected.Scan, actual.Scan);
    }

    private static readonly JsonSerializerOptions StatsJson = new() { IncludeFields = true };

    private Exception? Deny(string path) =>
        path == Unreadable ? new FileSystemException("opendir", path, 13, "Permission denied") : null;

    /// <summary>Walks that can overlap do: a listing below the source waits for another one to start.</summary>
    private void Overlapping(WalkProbe probe)
    {
        probe.Fault = Deny;
        probe.WaitsForAnother = path => path != Source;
    }

    /// <summary>
    /// Eight directories of six with three files each, a deep chain, hard links across directories (one inode
    /// with three links), a symlink, excluded files and directories, a cache directory and empty directories.
    /// </summary>
    private void CreateTree()
    {
        for (var d = 0; d < 8; d++)
        {
            for (var s = 0; s < 6; s++)
            {
                var directory = $"{Source}/d{d}/s{s}";
                Directory.CreateDirectory(directory);
                for (var f = 0; f < 3; f++)
                {
                    File.WriteAllText($"{directory}/f{f}", $"file {d}/{s}/{f} " + new string('x', d * 100 + s * 10 + f));
                }
            }
        }

        var deep = Source + "/deep";
        for (var level = 1; level <= 8; level++)
        {
            deep += "/" + level;
            Directory.CreateDirectory(deep);
            File.WriteAllText(deep + "/at-" + level, "level " + level);
        }

        var files = new LinuxFileSystem();
        files.CreateHardLink(Source + "/d0/s0/f0", Source + "/d5/s3/link");
        files.CreateHardLink(Source + "/d7/s5/f1", Source + "/deep/1/2/3/hard");
        files.CreateHardLink(Source + "/d7/s5/f1", Source + "/d2/s0/hard");
        File.CreateSymbolicLink(Source + "/d1/s1/link", "../s0/f0");
        File.WriteAllText(Source + "/d1/s1/f1.tmp", "excluded file");
        Directory.CreateDirectory(Source + "/d4/build/obj");
        File.WriteAllText(Source + "/d4/build/obj/out", "excluded directory");
        Directory.CreateDirectory(Source + "/d2/cache/entries");
        File.WriteAllText(Source + "/d2/cache/CACHEDIR.TAG", "Signature: 8a477f597d28d172789f06886806bc55\n# a cache\n");
        File.WriteAllText(Source + "/d2/cache/entries/e", "cached");
        Directory.CreateDirectory(Source + "/d3/empty");
        Directory.CreateDirectory(Source + "/d6/s4/below-unreadable");
    }

    private async Task<(ArchiveResult Result, Id Source, WalkProbe Probe)> ArchiveAsync(int directories, Tree? parent, Action<WalkProbe>? setUp = null, CancellationToken cancellationToken = default, bool excludeCaches = true)
    {
        // Set up before the first await, so that a caller holding the task has the probe.
        var (fileSystem, probe) = WalkProbe.Create(new LinuxFileSystem());
        setUp?.Invoke(probe);
        var repository = await OpenAsync();
        var excludes = new ExcludeFilter();
        excludes.Add("build", "test");
        excludes.Add("*.tmp", "test");
        var options = new ArchiverOptions
        {
            Paths = [Source],
            Excludes = excludes,
            ExcludeCaches = excludeCaches,
            FileConcurrency = 2,
            DirectoryConcurrency = directories,
            TimeZone = TimeZoneInfo.Utc,
        };
        await using var packer = new BlobPacker(repository);
        var result = await new Archiver(repository, fileSystem, packer, options).RunAsync(parent, cancellationToken);
        await packer.FlushAsync(CancellationToken.None);
        return (result, await SourceSubtreeAsync(result.RootTree), probe);
    }

    private async Task<CoreRepository> OpenAsync()
    {
        var repository = await CoreRepository.OpenAsync(new LocalBackend(RepositoryPath), Encoding.UTF8.GetBytes(Password), CancellationToken.None);
        await repository.LoadIndexAsync(CancellationToken.None);
        return repository;
    }

    private async Task<Tree> LoadTreeAsync(Id id)
    {
        var repository = await OpenAsync();
        return await repository.LoadTreeAsync(id, CancellationToken.None);
    }

    /// <summary>The subtree of <see cref="Source"/>: the directories above it are shared with the rest of the machine.</summary>
    private async Task<Id> SourceSubtreeAsync(Id root) =>
        (await FindAsync(root, Source.TrimStart('/')))?.Subtree ?? throw new InvalidOperationException($"no {Source} in tree {root}");

    private async Task<Node?> FindAsync(Id tree, string relativePath)
    {
        Node? node = null;
        foreach (var name in relativePath.Split('/'))
        {
            if (node is { Subtree: null })
            {
                return null;
            }

            node = (await LoadTreeAsync(node?.Subtree ?? tree)).Find(name);
            if (node is null)
            {
                return null;
            }
        }

        return node;
    }

    private static string Restic(Dictionary<string, string> environment, params string[] args)
    {
        var info = new ProcessStartInfo("restic", args) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        using var process = Process.Start(info)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"restic {string.Join(' ', args)} exited {process.ExitCode}:\n{stderr.Result}\n{stdout}");
        return stdout;
    }
}

/// <summary>A fact that needs the restic program; skipped where it is not installed.</summary>
public sealed class ResticFactAttribute : FactAttribute
{
    public ResticFactAttribute()
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        if (!path.Split(':').Any(directory => File.Exists(Path.Combine(directory, "restic"))))
        {
            Skip = "restic is not installed (Debian package restic)";
        }
    }
}

/// <summary>
/// The real filesystem seen through a probe: counts the calls under way and the listings at once, can slow
/// listings down so that walks overlap, and can make a listing fail.
/// </summary>
public class WalkProbe : DispatchProxy
{
    private IFileSystem _inner = null!;
    private int _listings;
    private int _maxListings;
    private int _underWay;
    private int _calls;
    private int _waited;
    private volatile bool _stopping;
    private int _lingering;

    public int MaxConcurrentListings => Volatile.Read(ref _maxListings);

    public int CallsUnderWay => Volatile.Read(ref _underWay);

    public int Calls => Volatile.Read(ref _calls);

    public TimeSpan ListingDelay { get; set; } = TimeSpan.FromMilliseconds(2);

    /// <summary>What listing a path throws instead (at once), if anything.</summary>
    public Func<string, Exception?> Fault { get; set; } = _ => null;

    /// <summary>
    /// Listing this path throws this, once another listing is held up (or after a second): from then on every
    /// listing takes a good while longer, so that a walk left running after the run ended is seen listing.
    /// </summary>
    public (string Path, Func<Exception> Thrown)? Stop { get; set; }

    /// <summary>
    /// The first listing of a path this accepts waits (up to ten seconds) for another listing to be under way,
    /// so that walks able to overlap do, even while the thread pool is still growing.
    /// </summary>
    public Func<string, bool> WaitsForAnother { get; set; } = _ => false;

    public static (IFileSystem FileSystem, WalkProbe Probe) Create(IFileSystem inner)
    {
        var fileSystem = Create<IFileSystem, WalkProbe>();
        var probe = (WalkProbe)(object)fileSystem;
        probe._inner = inner;
        return (fileSystem, probe);
    }

    private void BeforeListing(string path)
    {
        if (Fault(path) is { } fault)
        {
            throw fault;
        }

        if (Stop is { } stop && stop.Path == path)
        {
            _stopping = true;
            SpinWait.SpinUntil(() => Volatile.Read(ref _lingering) > 0, TimeSpan.FromSeconds(1));
            throw stop.Thrown();
        }

        Thread.Sleep(ListingDelay);
        if (_stopping)
        {
            Interlocked.Increment(ref _lingering);
            Thread.Sleep(TimeSpan.FromMilliseconds(300));
        }

        if (WaitsForAnother(path) && Interlocked.Exchange(ref _waited, 1) == 0)
        {
            SpinWait.SpinUntil(() => Volatile.Read(ref _listings) > 1, TimeSpan.FromSeconds(10));
        }
    }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        var listing = targetMethod!.Name is nameof(IFileSystem.ReadDirectory) or nameof(IFileSystem.OpenDirectory);
        Interlocked.Increment(ref _calls);
        Interlocked.Increment(ref _underWay);
        try
        {
            if (listing)
            {
                var now = Interlocked.Increment(ref _listings);
                for (var max = Volatile.Read(ref _maxListings); now > max; max = Volatile.Read(ref _maxListings))
                {
                    Interlocked.CompareExchange(ref _maxListings, now, max);
                }

                BeforeListing((string)args![0]!);
            }

            return targetMethod.Invoke(_inner, args);
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            ExceptionDispatchInfo.Throw(e.InnerException);
            throw;
        }
        finally
        {
            if (listing)
            {
                Interlocked.Decrement(ref _listings);
            }

            Interlocked.Decrement(ref _underWay);
        }
    }
}
