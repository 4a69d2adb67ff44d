using System.Text;
using Backup.Core.Backends.Local;
using Backup.Core.Model;
using Backup.Core.Repository;
using Backup.IntegrationTests.Infrastructure;

namespace Backup.IntegrationTests;

/// <summary>
/// A damaged or hostile repository must never make a restore write outside its target: trees are
/// written by hand here with names and shapes our own writer would never produce.
/// </summary>
public sealed class RestoreSafetyTests
{
    private const string Time = "\"mtime\":\"2020-01-02T03:04:05Z\",\"atime\":\"2020-01-02T03:04:05Z\",\"ctime\":\"2020-01-02T03:04:05Z\",\"uid\":0,\"gid\":0";

    [Fact]
    public async Task Unsafe_names_and_a_symlink_then_directory_of_the_same_name_write_nothing_outside_the_target()
    {
        using var temp = new TempDirectory();
        var outside = temp.Sub("outside");
        Directory.CreateDirectory(outside);
        var target = temp.Sub("deep/target");
        var repoPath = temp.Sub("repo");

        var repository = await Repository.InitAsync(new LocalBackend(repoPath), Encoding.UTF8.GetBytes(Restic.Password), null, CancellationToken.None);
        await using (var packer = new BlobPacker(repository))
        {
            var content = Encoding.UTF8.GetBytes("pwned");
            var contentId = Id.Hash(content);
            await packer.SaveAsync(BlobType.Data, contentId, content, CancellationToken.None);
            var file = $"{{\"name\":\"pwned\",\"type\":\"file\",\"mode\":420,{Time},\"size\":5,\"content\":[\"{contentId}\"]}}";
            var inner = await SaveTreeAsync(packer, $"{{\"nodes\":[{file}]}}\n");

            // The symlink comes first: a restorer that created it and then "entered" the directory of the
            // same name would write pwned into the outside directory.
            var nodes = string.Join(',',
                $"{{\"name\":\"link\",\"type\":\"symlink\",\"mode\":134218239,{Time},\"linktarget\":\"{outside}\",\"content\":null}}",
                $"{{\"name\":\"link\",\"type\":\"dir\",\"mode\":2147484141,{Time},\"content\":null,\"subtree\":\"{inner}\"}}",
                $"{{\"name\":\"..\",\"type\":\"dir\",\"mode\":2147484141,{Time},\"content\":null,\"subtree\":\"{inner}\"}}",
                $"{{\"name\":\".\",\"type\":\"dir\",\"mode\":2147484141,{Time},\"content\":null,\"subtree\":\"{inner}\"}}",
                $"{{\"name\":\"../escape\",\"type\":\"file\",\"mode\":420,{Time},\"size\":5,\"content\":[\"{contentId}\"]}}",
                $"{{\"name\":\"a/b\",\"type\":\"file\",\"mode\":420,{Time},\"size\":5,\"content\":[\"{contentId}\"]}}",
                $"{{\"name\":\"ok\",\"type\":\"file\",\"mode\":420,{Time},\"size\":5,\"content\":[\"{contentId}\"]}}");
            var root = await SaveTreeAsync(packer, $"{{\"nodes\":[{nodes}]}}\n");
            await packer.FlushAsync(CancellationToken.None);
            await SnapshotStore.SaveAsync(repository, new Snapshot { Time = GoTime.Parse("2020-01-02T03:04:05Z"), Tree = root, Paths = ["/x"], Hostname = "h" }, CancellationToken.None);
        }

        var result = new Backupctl(repoPath).Run("restore", "latest", "--target", target);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("unsafe name", result.StdErr);
        Assert.Empty(Directory.EnumerateFileSystemEntries(outside));
        Assert.False(File.Exists(temp.Sub("deep/escape")));
        Assert.False(File.Exists(temp.Sub("deep/pwned")));
        Assert.False(File.Exists(temp.Sub("deep/target/pwned")));
        Assert.Equal("pwned", File.ReadAllText(Path.Combine(target, "ok")));

        // The directory replaced the symlink in the target; it holds the file, the outside does not.
        Assert.True(new DirectoryInfo(Path.Combine(target, "link")).LinkTarget is null);
        Assert.Equal("pwned", File.ReadAllText(Path.Combine(target, "link", "pwned")));
    }

    [Fact]
    public async Task A_symlink_already_in_the_target_is_replaced_not_followed()
    {
        using var temp = new TempDirectory();
        var outside = temp.Sub("outside");
        Directory.CreateDirectory(outside);
        var source = temp.Sub("source");
        Directory.CreateDirectory(Path.Combine(source, "dir"));
        File.WriteAllText(Path.Combine(source, "dir", "file"), "data");
        File.WriteAllText(Path.Combine(source, "file2"), "data2");
        var ours = new Backupctl(temp.Sub("repo"));
        ours.Ok("init");
        ours.Ok(["backup", "source"], temp.Path);

        // Someone planted symlinks where the restore will write.
        var target = temp.Sub("target");
        Directory.CreateDirectory(Path.Combine(target, "source"));
        File.CreateSymbolicLink(Path.Combine(target, "source", "dir"), outside);
        File.CreateSymbolicLink(Path.Combine(target, "source", "file2"), Path.Combine(outside, "victim"));

        ours.Ok("restore", "latest", "--target", target);

        Assert.Empty(Directory.EnumerateFileSystemEntries(outside));
        Assert.Equal("data", File.ReadAllText(Path.Combine(target, "source", "dir", "file")));
        Assert.Null(new FileInfo(Path.Combine(target, "source", "file2")).LinkTarget);
        Assert.Equal("data2", File.ReadAllText(Path.Combine(target, "source", "file2")));
    }

    private static async Task<Id> SaveTreeAsync(BlobPacker packer, string json)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        var id = Id.Hash(bytes);
        await packer.SaveAsync(BlobType.Tree, id, bytes, CancellationToken.None);
        return id;
    }
}
