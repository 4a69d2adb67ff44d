using System.Text;
using Backup.Core.FileSystem;
using Backup.Linux.FileSystem;
using Backup.Linux.Tests.Infrastructure;

namespace Backup.Linux.Tests.FileSystem;

public sealed class LinuxFileSystemWriteTests : LinuxFileSystemTestBase
{
    [Fact]
    public void CreateFile_returns_a_writable_handle()
    {
        var path = Temp["file"];
        using (var handle = FileSystem.CreateFile(path, 0x180 /* 0600 */))
        {
            using var stream = new FileStream(handle, FileAccess.Write, 0);
            stream.Write("content"u8);
        }

        Assert.Equal("content", File.ReadAllText(path));
        Assert.Equal(0x180u, FileSystem.LStat(path).Permissions);
    }

    [Fact]
    public void Unlink_removes_a_name_and_ignores_a_missing_one()
    {
        var path = WriteFile("file", [1]);

        FileSystem.Unlink(path);
        FileSystem.Unlink(path);

        Assert.Empty(FileSystem.ReadDirectory(Temp.Path));
    }

    [Fact]
    public void Unlink_of_a_directory_fails()
    {
        FileSystem.CreateDirectory(Temp["dir"], 0x1ED);

        var error = Assert.Throws<FileSystemException>(() => FileSystem.Unlink(Temp["dir"]));

        Assert.Equal(21, error.Errno); // EISDIR
    }

    [Fact]
    public void SetPermissions_sets_special_bits()
    {
        var path = WriteFile("file", [1]);

        FileSystem.SetPermissions(path, 0xFFF);

        Assert.Equal(0xFFFu, FileSystem.LStat(path).Permissions);
    }

    [Fact]
    public void Long_symlink_targets_are_read_whole()
    {
        var target = string.Join('/', Enumerable.Range(0, 400).Select(i => $"seg{i:D5}"));
        Assert.True(Encoding.UTF8.GetByteCount(target) > 3000);
        FileSystem.CreateSymlink(target, Temp["link"]);

        Assert.Equal(target, FileSystem.ReadLink(Temp["link"]));
        Assert.Equal(target, Shell.Ok($"readlink {Shell.Quote(Temp["link"])}").StdOut.TrimEnd('\n'));
    }

    [Fact]
    public void ReadLink_of_a_regular_file_fails()
    {
        var error = Assert.Throws<FileSystemException>(() => FileSystem.ReadLink(WriteFile("file", [1])));
        Assert.Equal(22, error.Errno); // EINVAL
    }

    [Fact]
    public void Fsync_of_a_file_and_its_directory_succeeds()
    {
        var path = Temp["file"];
        using (var handle = FileSystem.CreateFile(path, 0x1A4))
        {
            RandomAccess.Write(handle, "durable"u8, 0);
            LinuxFileSystem.Fsync(handle);
            LinuxFileSystem.Fsync(handle, path);
        }

        LinuxFileSystem.FsyncDirectory(Temp.Path);
    }

    [Fact]
    public void FsyncDirectory_of_a_missing_directory_throws()
    {
        var error = Assert.Throws<FileSystemException>(() => LinuxFileSystem.FsyncDirectory(Temp["missing"]));

        Assert.Equal("open", error.Operation);
        Assert.Equal(2, error.Errno);
    }
}
