using Backup.Linux.FileSystem;

namespace Backup.Linux.Tests.FileSystem;

public sealed class DeviceNumberTests
{
    [Theory]
    [InlineData(7u, 200u, 1992UL)]
    [InlineData(1u, 3u, 259UL)]
    [InlineData(0u, 0u, 0UL)]
    [InlineData(259u, 1u, 0x10301UL)]
    public void Make_uses_glibc_encoding(uint major, uint minor, ulong expected)
    {
        Assert.Equal(expected, DeviceNumber.Make(major, minor));
    }

    [Theory]
    [InlineData(0u, 0u)]
    [InlineData(4095u, 255u)]
    [InlineData(4096u, 256u)]
    [InlineData(0xFFFFFFFFu, 0xFFFFFFFFu)]
    [InlineData(300u, 70000u)]
    public void Major_and_minor_invert_Make(uint major, uint minor)
    {
        var device = DeviceNumber.Make(major, minor);
        Assert.Equal(major, DeviceNumber.Major(device));
        Assert.Equal(minor, DeviceNumber.Minor(device));
    }
}
