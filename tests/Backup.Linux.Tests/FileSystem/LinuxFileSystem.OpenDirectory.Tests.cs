using Backup.Core.FileSystem;
using Backup.Linux.Tests.Infrastructure;

namespace Backup.Linux.Tests.FileSystem;

public sealed class LinuxFileSystemOpenDirectoryTests : LinuxFileSystemTestBase
{
    [Fact]
    public void Entries_stat_relative_to_the_open_directory_as_lstat_by_path_does()
    {
        var dir = Temp["dir"];
        Directory.CreateDirectory(dir);
        Directory.CreateDirectory(Path.Combine(dir, "sub"));
        File.WriteAllText(Path.Combine(dir, "file"), "content");
        File.CreateSymbolicLink(Path.Combine(dir, "link"), "/nonexistent/target");
        foreach (var bytes in LinuxFileSystemNamesTests.OddNames())
        {
            // Our own CreateFile: .NET's file APIs cannot name invalid UTF-8.
            using var handle = FileSystem.CreateFile(Path.Combine(dir, PathEncoding.Decode(bytes)), 0x1A4);
            RandomAccess.Write(handle, bytes, 0);
        }

        using var listing = FileSystem.OpenDirectory(dir);

        Assert.Equal(FileSystem.ReadDirectory(dir).Order(StringComparer.Ordinal), listing.Names.Order(StringComparer.Ordinal));
        foreach (var name in listing.Names)
        {
            var path = Path.Combine(dir, name);
            Assert.Equal(FileSystem.LStat(path), listing.LStat(name, path));
        }

        // The symlink itself, not what it points to (which does not exist).
        Assert.Equal(FileKind.Symlink, listing.LStat("link", Path.Combine(dir, "link")).Kind);
    }

    [Fact]
    public void Entries_are_those_of_the_directory_opened_even_after_it_is_renamed()
    {
        var dir = Temp["before"];
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "file"), "12345");
        using var listing = FileSystem.OpenDirectory(dir);

        // Another directory now has the path; the listing still sees the one it opened.
        Directory.Move(dir, Temp["after"]);
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "file"), "1");

        Assert.Equal(5, listing.LStat("file", Path.Combine(dir, "file")).Size);
        Assert.Equal(1, FileSystem.LStat(Path.Combine(dir, "file")).Size);
    }

    [Fact]
    public void An_entry_gone_since_the_listing_fails_with_its_path_and_the_call()
    {
        var dir = Temp["dir"];
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "gone"), "x");
        using var listing = FileSystem.OpenDirectory(dir);
        File.Delete(Path.Combine(dir, "gone"));

        var error = Assert.Throws<FileSystemException>(() => listing.LStat("gone", Path.Combine(dir, "gone")));

        Assert.Equal("statx", error.Operation);
        Assert.Equal(Path.Combine(dir, "gone"), error.Path);
        Assert.Equal(2, error.Errno); // ENOENT
        Assert.Contains("gone", error.Message);
    }

    [Fact]
    public void Opening_what_is_not_a_directory_fails_as_listing_it_does()
    {
        var file = WriteFile("plain", [1, 2, 3]);
        var link = Temp["link-to-dir"];
        File.CreateSymbolicLink(link, Temp.Path);

        Assert.Equal(Assert.Throws<FileSystemException>(() => FileSystem.ReadDirectory(file)).Message, Assert.Throws<FileSystemException>(() => FileSystem.OpenDirectory(file)).Message);
        Assert.Equal(20, Assert.Throws<FileSystemException>(() => FileSystem.OpenDirectory(file)).Errno); // ENOTDIR
        Assert.Equal(Assert.Throws<FileSystemException>(() => FileSystem.ReadDirectory(link)).Message, Assert.Throws<FileSystemException>(() => FileSystem.OpenDirectory(link)).Message);
    }
}
