using System.Text;
using Backup.Core.Archiving;
using Backup.Core.Backends;
using Backup.Core.Backends.Local;
using Backup.Core.Crypto;
using Backup.Core.Model;
using Backup.Core.Repository;
using Backup.Core.Repository.Indexing;
using Backup.Core.Repository.Locking;
using Backup.Linux.FileSystem;
using CoreRepository = Backup.Core.Repository.Repository;

namespace Backup.Core.Tests.Repository;

/// <summary>
/// One opened repository used for several backups, as backupd keeps it between runs: its index must follow what
/// other writers add and what a prune takes away; and the locking and snapshot lookups a run starts with.
/// </summary>
public sealed class RepositoryReuseTests : IAsyncLifetime
{
    private static readonly byte[] Password = Encoding.UTF8.GetBytes("reuse");
    private readonly string _root = Path.Combine(Path.GetTempPath(), "repository-reuse-" + Guid.NewGuid().ToString("N"));

    private string RepositoryPath => Path.Combine(_root, "repo");

    private string Source => Path.Combine(_root, "src");

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Source);
        await CoreRepository.InitAsync(new LocalBackend(RepositoryPath), Password, new ScryptParameters(1024, 8, 1), CancellationToken.None);
    }

    public Task DisposeAsync()
    {
        Directory.Delete(_root, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task A_kept_repository_learns_index_files_written_by_others_and_loads_nothing_twice()
    {
        var kept = await OpenAsync();
        WriteFiles("one", 3);
        await BackupAsync(kept);
        var afterOwn = kept.Index.BlobCount;
        Assert.True(afterOwn > 3);

        // Another process (a second repository object) adds blobs of its own.
        WriteFiles("two", 4);
        await BackupAsync(await OpenAsync());
        await kept.LoadIndexAsync(CancellationToken.None);

        var fresh = await OpenAsync();
        await fresh.LoadIndexAsync(CancellationToken.None);
        Assert.True(fresh.Index.BlobCount > afterOwn);
        Assert.Equal(fresh.Index.BlobCount, kept.Index.BlobCount);
        Assert.Equal(fresh.Index.PackCount, kept.Index.PackCount);
        Assert.All(fresh.Index.All(), blob => Assert.True(kept.Index.Has(blob.Key.Type, blob.Key.Id)));
    }

    [Fact]
    public async Task A_kept_repository_forgets_blobs_whose_index_file_a_prune_removed()
    {
        var kept = await OpenAsync();
        WriteFiles("one", 3);
        var first = await BackupAsync(kept);
        Assert.True(kept.Index.Has(BlobType.Tree, first.Snapshot.Tree));

        // What a prune that dropped everything does: the index files and their packs are removed, an empty index written.
        var backend = new LocalBackend(RepositoryPath);
        await foreach (var entry in backend.ListAsync(FileType.Index, CancellationToken.None))
        {
            await backend.RemoveAsync(FileType.Index, entry.Name, CancellationToken.None);
        }

        await kept.SaveUnpackedAsync(FileType.Index, new IndexFile().ToJson(), CancellationToken.None);
        await kept.LoadIndexAsync(CancellationToken.None);

        Assert.Equal(0, kept.Index.BlobCount);
        Assert.False(kept.Index.Has(BlobType.Tree, first.Snapshot.Tree));
    }

    [Fact]
    public async Task A_backup_with_a_kept_repository_after_a_prune_stores_the_data_again()
    {
        var kept = await OpenAsync();
        WriteFiles("one", 2);
        await BackupAsync(kept);

        var backend = new LocalBackend(RepositoryPath);
        foreach (var type in new[] { FileType.Index, FileType.Pack, FileType.Snapshot })
        {
            await foreach (var entry in backend.ListAsync(type, CancellationToken.None))
            {
                await backend.RemoveAsync(type, entry.Name, CancellationToken.None);
            }
        }

        var second = await BackupAsync(kept);

        // Had the kept index still claimed the old blobs, nothing would have been written and the snapshot would point nowhere.
        Assert.Equal(2, second.Stats.FilesNew);
        Assert.True(second.DataBlobs >= 2);
        var fresh = await OpenAsync();
        await fresh.LoadIndexAsync(CancellationToken.None);
        Assert.True(fresh.Index.Has(BlobType.Tree, second.Snapshot.Tree));
    }

    [Fact]
    public async Task A_whole_snapshot_id_is_found_without_reading_the_other_snapshots()
    {
        var repository = await OpenAsync();
        WriteFiles("one", 1);
        var first = await BackupAsync(repository);
        var second = await BackupAsync(repository);

        // A snapshot file that cannot be decrypted: a lookup that read every snapshot would fail on it.
        var backend = new LocalBackend(RepositoryPath);
        await backend.SaveAsync(FileType.Snapshot, new string('0', 64), new byte[64], CancellationToken.None);

        var found = await SnapshotStore.FindAsync(repository, first.SnapshotId.ToString().ToUpperInvariant(), null, null, CancellationToken.None);
        Assert.Equal(first.SnapshotId, found.Id);
        Assert.Equal(first.Snapshot.Tree, found.Snapshot.Tree);

        var missing = new string('f', 64);
        var error = await Assert.ThrowsAsync<SnapshotNotFoundException>(() => SnapshotStore.FindAsync(repository, missing, null, null, CancellationToken.None));
        Assert.Contains(missing, error.Message);

        // A prefix still goes through the list, and the damaged file is reported by name.
        var prefix = second.SnapshotId.ToString()[..8];
        var damaged = await Assert.ThrowsAsync<RepositoryFormatException>(() => SnapshotStore.FindAsync(repository, prefix, null, null, CancellationToken.None));
        Assert.Contains(new string('0', 64), damaged.Message);
    }

    [Fact]
    public async Task Of_two_exclusive_locks_taken_at_once_never_both_succeed()
    {
        var repositories = new[] { await OpenAsync(), await OpenAsync() };
        for (var round = 0; round < 40; round++)
        {
            using var start = new ManualResetEventSlim();
            var attempts = repositories.Select(r => Task.Run(async () =>
            {
                start.Wait();
                try
                {
                    return await RepositoryLock.AcquireAsync(r, exclusive: true, CancellationToken.None);
                }
                catch (RepositoryLockedException)
                {
                    return null;
                }
            })).ToArray();
            start.Set();
            var locks = await Task.WhenAll(attempts);
            Assert.True(locks.Count(l => l is not null) <= 1, $"round {round}: both exclusive locks were granted");
            foreach (var held in locks.OfType<RepositoryLock>())
            {
                await held.DisposeAsync();
            }

            Assert.Empty(await RepositoryLock.ListAsync(repositories[0], CancellationToken.None));
        }

        // And one alone always gets it.
        await using var alone = await RepositoryLock.AcquireAsync(repositories[0], exclusive: true, CancellationToken.None);
    }

    [Fact]
    public async Task A_pack_that_cannot_be_written_fails_the_backup_with_that_error_not_a_cancellation()
    {
        var repository = await OpenAsync();

        // Many chunks: the first reaches a blob worker, which fails, while the file is still being read.
        var big = new byte[32 << 20];
        new Random(7).NextBytes(big);
        await File.WriteAllBytesAsync(Path.Combine(Source, "big"), big);

        // data/ is a file: no pack can be staged there (root ignores permission bits, so they would not do).
        var data = Path.Combine(RepositoryPath, "data");
        Directory.Delete(data, recursive: true);
        await File.WriteAllTextAsync(data, "not a directory");

        var error = await Assert.ThrowsAnyAsync<Exception>(() => BackupAsync(repository));
        Assert.IsNotAssignableFrom<OperationCanceledException>(error);
        Assert.Contains("data", error.Message);
    }

    private async Task<CoreRepository> OpenAsync() =>
        await CoreRepository.OpenAsync(new LocalBackend(RepositoryPath), Password, CancellationToken.None);

    private void WriteFiles(string prefix, int count)
    {
        for (var i = 0; i < count; i++)
        {
            File.WriteAllText(Path.Combine(Source, $"{prefix}-{i}"), $"{prefix} {i} {Guid.NewGuid()}");
        }
    }

    private async Task<BackupSummary> BackupAsync(CoreRepository repository) =>
        await BackupOperation.RunAsync(
            repository,
            new LinuxFileSystem(),
            new BackupRequest
            {
                Archiver = new ArchiverOptions { Paths = [Source], Excludes = new ExcludeFilter() },
                Hostname = "reuse-test",
            },
            null,
            CancellationToken.None);
}
