using Backup.Core.FileSystem;
using Backup.Linux.FileSystem;

namespace Backup.Linux.Tests.FileSystem;

public sealed class LinuxFileSystemErrorsTests : LinuxFileSystemTestBase
{
    [Fact]
    public void A_missing_path_names_the_path_the_call_and_what_it_means()
    {
        var missing = Temp["no/such/file"];

        var error = Assert.Throws<FileSystemException>(() => FileSystem.LStat(missing));

        Assert.Equal("statx", error.Operation);
        Assert.Equal(missing, error.Path);
        Assert.Equal(2, error.Errno);
        Assert.StartsWith($"statx \"{missing}\": No such file or directory (ENOENT); ", error.Message, StringComparison.Ordinal);
        Assert.Contains("does not exist", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_path_operation_reports_enoent_with_its_own_name()
    {
        var missing = Temp["missing"];
        var cases = new (string Operation, Action Call)[]
        {
            ("open", () => FileSystem.ReadDirectory(missing)),
            ("readlink", () => FileSystem.ReadLink(missing)),
            ("llistxattr", () => FileSystem.ReadExtendedAttributes(missing)),
            ("open", () => FileSystem.OpenRead(missing)),
            ("lchown", () => FileSystem.SetOwner(missing, 0, 0)),
            ("chmod", () => FileSystem.SetPermissions(missing, 0x1A4)),
            ("utimensat", () => FileSystem.SetTimes(missing, default, default)),
            ("lsetxattr", () => FileSystem.SetExtendedAttribute(missing, "user.x", [1])),
            ("mkdir", () => FileSystem.CreateDirectory(Temp["missing/dir"], 0x1ED)),
            ("open", () => FileSystem.CreateFile(Temp["missing/file"], 0x1A4)),
            ("symlink", () => FileSystem.CreateSymlink("x", Temp["missing/link"])),
            ("linkat", () => FileSystem.CreateHardLink(missing, Temp["link"])),
            ("mknod", () => FileSystem.CreateSpecial(Temp["missing/fifo"], FileKind.Fifo, 0x1A4, 0)),
        };

        foreach (var (operation, call) in cases)
        {
            var error = Assert.Throws<FileSystemException>(call);
            Assert.Equal(operation, error.Operation);
            Assert.Equal(2, error.Errno);
            Assert.Contains(Temp.Path, error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_hard_link_error_names_both_paths()
    {
        var error = Assert.Throws<FileSystemException>(() => FileSystem.CreateHardLink(Temp["old"], Temp["new"]));

        Assert.Equal(Temp["new"], error.Path);
        Assert.Contains(Temp["old"], error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_existing_file_is_not_overwritten_by_CreateFile()
    {
        var file = WriteFile("file", [1, 2, 3]);

        var error = Assert.Throws<FileSystemException>(() => FileSystem.CreateFile(file, 0x1A4));

        Assert.Equal(17, error.Errno); // EEXIST
        Assert.Equal(3, FileSystem.LStat(file).Size);
    }

    [Fact]
    public void CreateFile_does_not_follow_a_symlink()
    {
        FileSystem.CreateSymlink(Temp["elsewhere"], Temp["link"]);

        Assert.Throws<FileSystemException>(() => FileSystem.CreateFile(Temp["link"], 0x1A4));
        Assert.Throws<FileSystemException>(() => FileSystem.LStat(Temp["elsewhere"]));
    }

    [Fact]
    public void A_path_with_a_nul_character_is_refused_before_reaching_the_kernel()
    {
        var error = Assert.Throws<FileSystemException>(() => FileSystem.LStat(Temp.Path + "/a\0b"));

        Assert.Equal(22, error.Errno); // EINVAL
        Assert.Contains("NUL", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Reading_a_directory_that_is_a_file_is_enotdir()
    {
        var error = Assert.Throws<FileSystemException>(() => FileSystem.ReadDirectory(WriteFile("file", [])));
        Assert.Equal(20, error.Errno);
    }

    [Fact]
    public void A_long_path_is_encoded_outside_the_stack_buffer()
    {
        // Deeper than NativePath's stack space; the kernel still resolves it.
        var path = Temp.Path;
        for (var i = 0; i < 12; i++)
        {
            path = Path.Combine(path, new string((char)('a' + i), 100));
            FileSystem.CreateDirectory(path, 0x1ED);
        }

        var odd = Path.Combine(path, PathEncoding.Decode([0xff, 0xfe]));
        FileSystem.CreateDirectory(odd, 0x1ED);

        Assert.Equal(FileKind.Directory, FileSystem.LStat(odd).Kind);
        Assert.Equal([PathEncoding.Decode([0xff, 0xfe])], FileSystem.ReadDirectory(path));
    }

    [Theory]
    [InlineData(13, "EACCES", "permissions")]
    [InlineData(28, "ENOSPC", "space")]
    [InlineData(30, "EROFS", "read-only")]
    [InlineData(40, "ELOOP", "symbolic link")]
    public void Common_errors_carry_a_hint(int errno, string name, string hint)
    {
        var description = FileSystemErrors.Describe(errno);

        Assert.Contains(name, description, StringComparison.Ordinal);
        Assert.Contains(hint, description, StringComparison.Ordinal);
    }
}
