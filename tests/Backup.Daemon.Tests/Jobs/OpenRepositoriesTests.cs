using System.Text;
using Backup.Core.Backends;
using Backup.Core.Backends.Local;
using Backup.Core.Crypto;
using Backup.Core.Repository;
using Backup.Daemon.Jobs;

namespace Backup.Daemon.Tests.Jobs;

/// <summary>The repositories backupd keeps open between runs are reused only while nothing about them is in doubt.</summary>
public sealed class OpenRepositoriesTests : IAsyncLifetime
{
    private static readonly byte[] Password = Encoding.UTF8.GetBytes("kept open");
    private static readonly ScryptParameters FastKdf = new(1024, 8, 1);
    private readonly string _path = Path.Combine(Path.GetTempPath(), "open-repositories-" + Guid.NewGuid().ToString("N"));
    private readonly OpenRepositories _open = new();

    public async Task InitializeAsync() =>
        await Repository.InitAsync(new LocalBackend(_path), Password, FastKdf, CancellationToken.None);

    public Task DisposeAsync()
    {
        Directory.Delete(_path, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task A_repository_kept_after_success_is_lent_to_the_next_run()
    {
        Repository first;
        using (var lease = await OpenAsync(Password))
        {
            Assert.False(lease.Reused);
            first = lease.Repository;
            lease.Keep();
        }

        using var again = await OpenAsync(Password);
        Assert.True(again.Reused);
        Assert.Same(first, again.Repository);

        // Lent out: a second run at the same time gets its own.
        using var meanwhile = await OpenAsync(Password);
        Assert.False(meanwhile.Reused);
        Assert.NotSame(first, meanwhile.Repository);
    }

    [Fact]
    public async Task A_run_that_did_not_keep_it_leaves_nothing_to_reuse()
    {
        using (await OpenAsync(Password))
        {
            // Failed or cancelled: no Keep().
        }

        using var next = await OpenAsync(Password);
        Assert.False(next.Reused);
    }

    [Fact]
    public async Task Another_password_opens_afresh_and_a_wrong_one_is_refused()
    {
        await KeepOneAsync();
        var error = await Assert.ThrowsAsync<WrongPasswordException>(() => OpenAsync(Encoding.UTF8.GetBytes("not it")));
        Assert.Contains(_path, error.Message);

        // Once in doubt, the kept one is gone: the next run opens (and checks the password) afresh.
        using var next = await OpenAsync(Password);
        Assert.False(next.Reused);
    }

    [Fact]
    public async Task A_repository_created_anew_at_the_same_place_is_opened_afresh()
    {
        var kept = await KeepOneAsync();
        Directory.Delete(_path, recursive: true);
        await Repository.InitAsync(new LocalBackend(_path), Password, FastKdf, CancellationToken.None);

        using var next = await OpenAsync(Password);
        Assert.False(next.Reused);
        Assert.NotEqual(kept.Config.Id, next.Repository.Config.Id);
    }

    [Fact]
    public async Task A_removed_key_file_is_not_outlived_by_the_kept_key()
    {
        var kept = await KeepOneAsync();
        var backend = new LocalBackend(_path);
        await backend.RemoveAsync(FileType.Key, kept.KeyId.ToString(), CancellationToken.None);

        // The master key in memory would still decrypt; but the password no longer opens the repository.
        await Assert.ThrowsAsync<RepositoryFormatException>(() => OpenAsync(Password));
    }

    [Fact]
    public async Task Clear_forgets_the_kept_repositories()
    {
        await KeepOneAsync();
        _open.Clear();
        using var next = await OpenAsync(Password);
        Assert.False(next.Reused);
    }

    private async Task<Repository> KeepOneAsync()
    {
        using var lease = await OpenAsync(Password);
        lease.Keep();
        return lease.Repository;
    }

    private Task<OpenRepositories.Lease> OpenAsync(byte[] password) =>
        _open.OpenAsync(new LocalBackend(_path), password, CancellationToken.None);
}
