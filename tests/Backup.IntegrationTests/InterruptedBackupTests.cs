using System.Text;
using Backup.Core.Archiving;
using Backup.Core.Backends.Local;
using Backup.Core.Repository;
using Backup.IntegrationTests.Infrastructure;
using Backup.Linux.FileSystem;

namespace Backup.IntegrationTests;

/// <summary>An interrupted backup leaves a consistent repository whose stored packs the next run reuses.</summary>
public sealed class InterruptedBackupTests
{
    [RequiresToolFact("restic")]
    public async Task Cancelled_backup_indexes_its_stored_packs_and_the_next_run_does_not_store_them_again()
    {
        using var temp = new TempDirectory();
        var source = temp.Sub("source");
        Directory.CreateDirectory(source);
        const int files = 8, fileSize = 20 << 20;
        for (var i = 0; i < files; i++)
        {
            File.WriteAllBytes(Path.Combine(source, $"f{i}"), ResticOracleTests.RandomBytes(fileSize, 100 + i));
        }

        var repoPath = temp.Sub("repo");
        var password = Encoding.UTF8.GetBytes(Restic.Password);
        await Repository.InitAsync(new LocalBackend(repoPath), password, null, CancellationToken.None);
        var request = new BackupRequest { Archiver = new ArchiverOptions { Paths = [source], FileConcurrency = 1 } };

        using var cancel = new CancellationTokenSource();
        var first = await Repository.OpenAsync(new LocalBackend(repoPath), password, CancellationToken.None);
        var run = BackupOperation.RunAsync(first, new LinuxFileSystem(), request, archiver => _ = Task.Run(async () =>
        {
            while (archiver.Progress.Bytes < files * (long)fileSize / 2)
            {
                await Task.Delay(5);
            }

            cancel.Cancel();
        }), cancel.Token);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);

        Assert.NotEmpty(Directory.GetFiles(Path.Combine(repoPath, "index")));
        Assert.Empty(Directory.GetFiles(Path.Combine(repoPath, "snapshots")));
        Assert.Empty(Directory.GetFiles(Path.Combine(repoPath, "locks")));
        Assert.Empty(Directory.GetFiles(repoPath, "*-tmp-*", SearchOption.AllDirectories));
        new Restic(repoPath).Ok("check", "--read-data");

        var second = await Repository.OpenAsync(new LocalBackend(repoPath), password, CancellationToken.None);
        var summary = await BackupOperation.RunAsync(second, new LinuxFileSystem(), request, null, CancellationToken.None);

        // At least a third of the data was stored before the interruption and is not stored again.
        Assert.True(summary.DataAdded < files * (long)fileSize * 2 / 3, $"second run added {summary.DataAdded} bytes of {files * (long)fileSize}");
        Assert.Equal(files, summary.Stats.FilesNew);
        new Restic(repoPath).Ok("check", "--read-data");
    }
}
