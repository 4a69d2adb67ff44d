using Backup.Linux.Btrfs;

namespace Backup.Linux.Tests.Btrfs;

/// <summary>The request numbers the _IO/_IOR/_IOWR encoding yields, against the values linux/btrfs.h gives on x86-64 and AArch64.</summary>
public sealed class BtrfsIoctlNumbersTests
{
    [Fact]
    public void Request_numbers_match_the_kernel_header()
    {
        Assert.Equal((nuint)0x9408, BtrfsIoctl.Sync);
        Assert.Equal((nuint)0xc0709411, BtrfsIoctl.TreeSearchV2);
        Assert.Equal((nuint)0xd0009412, BtrfsIoctl.InoLookup);
        Assert.Equal((nuint)0xc0389423, BtrfsIoctl.InoPaths);
        Assert.Equal((nuint)0x81f8943c, BtrfsIoctl.GetSubvolInfo);
    }

    [Fact]
    public unsafe void Argument_structures_have_the_kernel_sizes()
    {
        Assert.Equal(BtrfsIoctl.SearchKeySize, sizeof(BtrfsIoctl.SearchKey));
        Assert.Equal(BtrfsIoctl.SearchHeaderSize, sizeof(BtrfsIoctl.SearchHeader));
        Assert.Equal(BtrfsIoctl.InoPathArgsSize, sizeof(BtrfsIoctl.InoPathArgs));
        Assert.Equal(120, sizeof(Interop.StatfsBuffer));
    }
}
