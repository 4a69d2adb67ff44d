using System.Globalization;
using System.Runtime.CompilerServices;
using Backup.Core.FileSystem;
using Backup.Linux.FileSystem;
using Backup.Linux.Tests.Infrastructure;

namespace Backup.Linux.Tests.FileSystem;

public sealed class LinuxFileSystemLStatTests : LinuxFileSystemTestBase
{
    private static uint Octal(string digits) => Convert.ToUInt32(digits, 8);

    [Fact]
    public void Statx_buffer_has_the_kernel_size()
    {
        Assert.Equal(256, Unsafe.SizeOf<Interop.StatxBuffer>());
    }

    [RootFact]
    public void Each_kind_has_its_type_and_exact_permission_bits()
    {
        var expected = new Dictionary<string, (FileKind Kind, uint Mode)>
        {
            ["file"] = (FileKind.Regular, Octal("104755")),
            ["dir"] = (FileKind.Directory, Octal("041777")),
            ["setgid-dir"] = (FileKind.Directory, Octal("042750")),
            ["link"] = (FileKind.Symlink, Octal("120777")),
            ["fifo"] = (FileKind.Fifo, Octal("010640")),
            ["char"] = (FileKind.CharDevice, Octal("020666")),
            ["block"] = (FileKind.BlockDevice, Octal("060660")),
            ["socket"] = (FileKind.Socket, Octal("140755")),
        };

        WriteFile("file", [1, 2, 3]);
        FileSystem.CreateDirectory(Temp["dir"], Octal("755"));
        FileSystem.CreateDirectory(Temp["setgid-dir"], Octal("755"));
        FileSystem.CreateSymlink("file", Temp["link"]);
        FileSystem.CreateSpecial(Temp["fifo"], FileKind.Fifo, Octal("600"), 0);
        FileSystem.CreateSpecial(Temp["char"], FileKind.CharDevice, Octal("600"), DeviceNumber.Make(1, 3));
        FileSystem.CreateSpecial(Temp["block"], FileKind.BlockDevice, Octal("600"), DeviceNumber.Make(7, 200));
        FileSystem.CreateSpecial(Temp["socket"], FileKind.Socket, Octal("600"), 0);
        foreach (var (name, (kind, mode)) in expected)
        {
            if (kind != FileKind.Symlink)
            {
                FileSystem.SetPermissions(Temp[name], mode & Octal("7777"));
            }
        }

        foreach (var (name, (kind, mode)) in expected)
        {
            var status = FileSystem.LStat(Temp[name]);
            Assert.Equal(kind, status.Kind);
            Assert.Equal(mode, status.Mode);
            Assert.Equal(mode & Octal("7777"), status.Permissions);

            // stat(1) reads the same inode independently: %f is the raw mode in hex.
            var viaStat = Shell.Ok($"stat -c %f {Shell.Quote(Temp[name])}").StdOut.Trim();
            Assert.Equal(mode, Convert.ToUInt32(viaStat, 16));
        }
    }

    [Fact]
    public void Size_inode_device_and_allocation_match_stat()
    {
        var path = WriteFile("data", new byte[10_000]);
        var status = FileSystem.LStat(path);
        var fields = Shell.Ok($"stat -c '%s %i %d %h %b %B' {Shell.Quote(path)}").StdOut.Split(' ', StringSplitOptions.TrimEntries);

        Assert.Equal(long.Parse(fields[0], CultureInfo.InvariantCulture), status.Size);
        Assert.Equal(ulong.Parse(fields[1], CultureInfo.InvariantCulture), status.Inode);
        Assert.Equal(ulong.Parse(fields[2], CultureInfo.InvariantCulture), status.Device);
        Assert.Equal(1UL, status.Links);
        Assert.Equal(long.Parse(fields[4], CultureInfo.InvariantCulture) * long.Parse(fields[5], CultureInfo.InvariantCulture), status.AllocatedBytes);
        Assert.True(status.AllocatedBytes >= 10_000);
    }

    [RootFact]
    public void Owner_and_group_are_set_on_the_link_itself_and_read_back()
    {
        var file = WriteFile("file", [1]);
        var link = Temp["link"];
        FileSystem.CreateSymlink("file", link);

        FileSystem.SetOwner(file, 65534, 4242);
        FileSystem.SetOwner(link, 4242, 65534);

        var fileStatus = FileSystem.LStat(file);
        var linkStatus = FileSystem.LStat(link);
        Assert.Equal((65534u, 4242u), (fileStatus.Uid, fileStatus.Gid));
        Assert.Equal((4242u, 65534u), (linkStatus.Uid, linkStatus.Gid));
        Assert.Equal("65534 4242", Shell.Ok($"stat -c '%u %g' {Shell.Quote(file)}").StdOut.Trim());
    }

    [Theory]
    [InlineData(1_234_567_890L, 987_654_321u)]
    [InlineData(0L, 1u)]
    [InlineData(4_102_444_800L, 999_999_999u)] // 2100, past the 32-bit limit
    [InlineData(-86_400L, 500u)] // before the epoch
    public void Times_are_set_and_read_back_to_the_nanosecond(long seconds, uint nanoseconds)
    {
        var file = WriteFile("file", [1]);
        var atime = new Timespec(1_600_000_000, 123_456_789);
        var mtime = new Timespec(seconds, nanoseconds);

        FileSystem.SetTimes(file, atime, mtime);

        var status = FileSystem.LStat(file);
        Assert.Equal(atime, status.Atime);
        Assert.Equal(mtime, status.Mtime);
        if (seconds >= 0)
        {
            // stat(1) prints times before the epoch as a negative decimal rather than seconds plus nanoseconds.
            Assert.Equal($"{seconds}.{nanoseconds:D9}", Shell.Ok($"stat -c %.9Y {Shell.Quote(file)}").StdOut.Trim());
        }
    }

    [Fact]
    public void Times_of_a_symlink_are_its_own()
    {
        var file = WriteFile("file", [1]);
        var link = Temp["link"];
        FileSystem.CreateSymlink("file", link);
        var before = FileSystem.LStat(file).Mtime;

        FileSystem.SetTimes(link, new Timespec(1000, 1), new Timespec(2000, 2));

        Assert.Equal(new Timespec(2000, 2), FileSystem.LStat(link).Mtime);
        Assert.Equal(before, FileSystem.LStat(file).Mtime);
    }

    [Fact]
    public void Hard_links_share_inode_and_count_links()
    {
        var first = WriteFile("first", [1, 2]);
        FileSystem.CreateDirectory(Temp["sub"], Octal("755"));
        var second = Temp["sub/second"];

        FileSystem.CreateHardLink(first, second);

        var a = FileSystem.LStat(first);
        var b = FileSystem.LStat(second);
        Assert.Equal(a.Inode, b.Inode);
        Assert.Equal(a.Device, b.Device);
        Assert.Equal(2UL, a.Links);
        Assert.Equal(2UL, b.Links);
    }

    [Fact]
    public void A_hard_link_to_a_symlink_links_the_symlink_itself()
    {
        var link = Temp["link"];
        FileSystem.CreateSymlink("/nonexistent/target", link);

        FileSystem.CreateHardLink(link, Temp["link2"]);

        var status = FileSystem.LStat(Temp["link2"]);
        Assert.Equal(FileKind.Symlink, status.Kind);
        Assert.Equal(FileSystem.LStat(link).Inode, status.Inode);
        Assert.Equal("/nonexistent/target", FileSystem.ReadLink(Temp["link2"]));
    }

    [RootFact]
    public void Device_numbers_of_mknod_are_in_glibc_encoding()
    {
        Shell.Ok($"cd {Shell.Quote(Temp.Path)} && mknod block b 7 200 && mknod big c 300 70000");

        var block = FileSystem.LStat(Temp["block"]);
        Assert.Equal(FileKind.BlockDevice, block.Kind);
        Assert.Equal(1992UL, block.RDev);
        Assert.Equal((7u, 200u), (DeviceNumber.Major(block.RDev), DeviceNumber.Minor(block.RDev)));

        var big = FileSystem.LStat(Temp["big"]);
        Assert.Equal(FileKind.CharDevice, big.Kind);
        Assert.Equal(DeviceNumber.Make(300, 70000), big.RDev);
        Assert.Equal((300u, 70000u), (DeviceNumber.Major(big.RDev), DeviceNumber.Minor(big.RDev)));
    }

    [RootFact]
    public void Devices_made_with_CreateSpecial_have_the_numbers_stat_reports()
    {
        FileSystem.CreateSpecial(Temp["dev"], FileKind.CharDevice, Octal("640"), DeviceNumber.Make(300, 70000));

        // %t and %T are major and minor in hex.
        Assert.Equal("12c 11170", Shell.Ok($"stat -c '%t %T' {Shell.Quote(Temp["dev"])}").StdOut.Trim());
    }

    [Fact]
    public void LStat_describes_a_symlink_not_its_target()
    {
        WriteFile("target", new byte[100]);
        FileSystem.CreateSymlink("target", Temp["link"]);

        var status = FileSystem.LStat(Temp["link"]);

        Assert.Equal(FileKind.Symlink, status.Kind);
        Assert.Equal("target".Length, status.Size);
        Assert.NotEqual(FileSystem.LStat(Temp["target"]).Inode, status.Inode);
    }

    [Fact]
    public void A_dangling_symlink_can_be_stat_ed()
    {
        FileSystem.CreateSymlink("missing", Temp["dangling"]);

        Assert.Equal(FileKind.Symlink, FileSystem.LStat(Temp["dangling"]).Kind);
        Assert.Equal("missing", FileSystem.ReadLink(Temp["dangling"]));
    }
}
