namespace Backup.Linux.Tests.FileSystem;

public sealed class LinuxFileSystemAccountsTests : LinuxFileSystemTestBase
{
    [Fact]
    public void Known_users_and_groups_resolve_both_ways()
    {
        Assert.Equal("root", FileSystem.UserName(0));
        Assert.Equal("root", FileSystem.GroupName(0));
        Assert.Equal("nobody", FileSystem.UserName(65534));
        Assert.Equal("nogroup", FileSystem.GroupName(65534));
        Assert.Equal(0u, FileSystem.UserId("root"));
        Assert.Equal(65534u, FileSystem.UserId("nobody"));
        Assert.Equal(65534u, FileSystem.GroupId("nogroup"));
    }

    [Fact]
    public void Unknown_ids_and_names_are_null()
    {
        Assert.Null(FileSystem.UserName(4242));
        Assert.Null(FileSystem.GroupName(4242));
        Assert.Null(FileSystem.UserId("no-such-user-4242"));
        Assert.Null(FileSystem.GroupId("no-such-group-4242"));
        Assert.Null(FileSystem.UserId(""));
        Assert.Null(FileSystem.UserId("a\0b"));
    }

    [Fact]
    public void Answers_are_cached_and_consistent_across_threads()
    {
        var names = new string?[64];
        Parallel.For(0, names.Length, i => names[i] = FileSystem.UserName(i % 2 == 0 ? 0u : 4242u));

        for (var i = 0; i < names.Length; i++)
        {
            Assert.Equal(i % 2 == 0 ? "root" : null, names[i]);
        }
    }
}
