using Backup.Core.Backends;
using Backup.Core.Backends.Local;

namespace Backup.Core.Tests.Backends;

public sealed class LocalBackendTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "local-backend-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            foreach (var f in Directory.GetFiles(_root, "*", SearchOption.AllDirectories))
            {
                File.SetUnixFileMode(f, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }

            Directory.Delete(_root, recursive: true);
        }
    }

    [Fact]
    public async Task Layout_has_the_256_pack_directories_and_files_are_saved_read_only_without_temp_leftovers()
    {
        var backend = new LocalBackend(_root);
        await backend.CreateLayoutAsync(CancellationToken.None);
        Assert.Equal(256, Directory.GetDirectories(Path.Combine(_root, "data")).Length);

        var name = new string('a', 64);
        await backend.SaveAsync(FileType.Pack, name, new byte[] { 1, 2, 3, 4, 5 }, CancellationToken.None);
        var path = Path.Combine(_root, "data", "aa", name);
        Assert.Equal(UnixFileMode.UserRead, File.GetUnixFileMode(path));
        Assert.Single(Directory.GetFiles(Path.Combine(_root, "data", "aa")));
        Assert.Equal(new byte[] { 3, 4 }, await backend.LoadAsync(FileType.Pack, name, 2, 2, CancellationToken.None));
        Assert.Equal(5, await backend.StatAsync(FileType.Pack, name, CancellationToken.None));

        var listed = new List<BackendEntry>();
        await foreach (var e in backend.ListAsync(FileType.Pack, CancellationToken.None))
        {
            listed.Add(e);
        }

        Assert.Equal([new BackendEntry(name, 5)], listed);
    }

    [Fact]
    public async Task Reading_past_the_end_names_the_file()
    {
        var backend = new LocalBackend(_root);
        await backend.CreateLayoutAsync(CancellationToken.None);
        await backend.SaveAsync(FileType.Snapshot, "s1", new byte[10], CancellationToken.None);
        var error = await Assert.ThrowsAsync<EndOfStreamException>(() => backend.LoadAsync(FileType.Snapshot, "s1", 5, 10, CancellationToken.None));
        Assert.Contains("s1", error.Message);
    }

    [Fact]
    public async Task Missing_config_is_reported_as_no_repository()
    {
        var backend = new LocalBackend(_root);
        await Assert.ThrowsAsync<RepositoryNotFoundException>(() => backend.LoadAsync(FileType.Config, "config", 0, 0, CancellationToken.None));
    }

    [Fact]
    public async Task Create_refuses_a_non_empty_directory()
    {
        Directory.CreateDirectory(_root);
        File.WriteAllText(Path.Combine(_root, "precious.txt"), "x");
        var error = await Assert.ThrowsAsync<IOException>(() => new LocalBackend(_root).CreateLayoutAsync(CancellationToken.None));
        Assert.Contains("not empty", error.Message);
    }
}
