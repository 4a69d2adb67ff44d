using Backup.Core.FileSystem;

namespace Backup.Linux.Tests.FileSystem;

public sealed class LinuxFileSystemOpenReadTests : LinuxFileSystemTestBase
{
    [Fact]
    public void Content_is_readable_with_RandomAccess_and_FileStream()
    {
        var content = Enumerable.Range(0, 100_000).Select(i => (byte)(i * 31)).ToArray();
        var path = WriteFile("file", content);

        using var handle = FileSystem.OpenRead(path);

        var buffer = new byte[content.Length];
        Assert.Equal(content.Length, RandomAccess.Read(handle, buffer, 0));
        Assert.Equal(content, buffer);
        Assert.Equal(content.Length, RandomAccess.GetLength(handle));
        Assert.False(handle.IsAsync);

        using var stream = new FileStream(handle, FileAccess.Read, 0);
        var copy = new MemoryStream();
        stream.CopyTo(copy);
        Assert.Equal(content, copy.ToArray());
    }

    [Fact]
    public void Stat_of_the_handle_is_the_file_that_was_opened()
    {
        var path = WriteFile("file", [1, 2, 3]);

        using var handle = FileSystem.OpenRead(path);

        var byHandle = FileSystem.Stat(handle);
        var byPath = FileSystem.LStat(path);
        Assert.Equal(byPath.Inode, byHandle.Inode);
        Assert.Equal(byPath.Device, byHandle.Device);
        Assert.Equal(FileKind.Regular, byHandle.Kind);
        Assert.Equal(3, byHandle.Size);
    }

    [Fact]
    public void Reading_does_not_update_the_access_time()
    {
        var path = WriteFile("file", [1, 2, 3]);
        // With relatime an access time older than the mtime would be updated by any plain read.
        FileSystem.SetTimes(path, new Timespec(1000, 0), new Timespec(2000, 0));

        using (var handle = FileSystem.OpenRead(path))
        {
            RandomAccess.Read(handle, new byte[3], 0);
        }

        Assert.Equal(new Timespec(1000, 0), FileSystem.LStat(path).Atime);
    }

    [Fact]
    public void A_symlink_is_not_followed_and_the_error_names_it()
    {
        WriteFile("target", [1]);
        var link = Temp["link"];
        FileSystem.CreateSymlink("target", link);

        var error = Assert.Throws<FileSystemException>(() => FileSystem.OpenRead(link));

        Assert.Equal(40, error.Errno); // ELOOP
        Assert.Equal("open", error.Operation);
        Assert.Equal(link, error.Path);
        Assert.Contains(link, error.Message, StringComparison.Ordinal);
        Assert.Contains("ELOOP", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadDirectory_does_not_follow_a_symlink_to_a_directory()
    {
        FileSystem.CreateDirectory(Temp["dir"], 0x1ED);
        FileSystem.CreateSymlink("dir", Temp["link"]);

        var error = Assert.Throws<FileSystemException>(() => FileSystem.ReadDirectory(Temp["link"]));

        // With O_DIRECTORY the kernel reports the symlink as "not a directory" rather than ELOOP.
        Assert.Contains(error.Errno, new[] { 20, 40 });
        Assert.Equal(Temp["link"], error.Path);
    }

    [Fact]
    public async Task A_fifo_opens_without_waiting_for_a_writer()
    {
        FileSystem.CreateSpecial(Temp["fifo"], FileKind.Fifo, 0x1A4, 0);

        var open = Task.Run(() =>
        {
            using var handle = FileSystem.OpenRead(Temp["fifo"]);
            return FileSystem.Stat(handle).Kind;
        });

        var kind = await open.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(FileKind.Fifo, kind);
    }

    [Fact]
    public void Stat_of_a_closed_handle_fails()
    {
        var handle = FileSystem.OpenRead(WriteFile("file", [1]));
        handle.Dispose();

        Assert.ThrowsAny<Exception>(() => FileSystem.Stat(handle));
    }
}
