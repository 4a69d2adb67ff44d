using Backup.Core.Model;

namespace Backup.Core.Tests.Model;

public class GoFileModeTests
{
    // st_mode (octal), the Go FileMode restic 0.14 stores (format 9.4, observed values)
    public static TheoryData<uint, uint> Observed => new()
    {
        { 0x41ED, 2147484141 },   // dir 040755
        { 0xA1FF, 134218239 },    // symlink 0120777
        { 0x61A4, 67109284 },     // block device 060644
        { 0x11A4, 33554852 },     // fifo 010644
        { 0x89ED, 8389101 },      // file 0104755
        { 0x85E8, 4194792 },      // file 0102750
        { 0x21A4, 69206436 },     // char device 020644
        { 0x43FF, 2148532735 },   // dir 041777
        { 0x81A4, 420 },          // file 0100644
        { 0xC1ED, 16777216 | 0x1ED }, // socket 0140755
    };

    [Theory]
    [MemberData(nameof(Observed))]
    public void FromUnixModeGivesTheObservedValue(uint stMode, uint goMode)
    {
        Assert.Equal(goMode, GoFileMode.FromUnixMode(stMode));
    }

    [Theory]
    [MemberData(nameof(Observed))]
    public void ToUnixModeInvertsFromUnixMode(uint stMode, uint goMode)
    {
        Assert.Equal(stMode, GoFileMode.ToUnixMode(goMode));
        Assert.Equal(stMode & 0xFFF, GoFileMode.ToUnixPermissions(goMode));
    }

    [Fact]
    public void BitValuesAreGos()
    {
        Assert.Equal(2147483648u, GoFileMode.Dir);
        Assert.Equal(134217728u, GoFileMode.Symlink);
        Assert.Equal(67108864u, GoFileMode.Device);
        Assert.Equal(33554432u, GoFileMode.NamedPipe);
        Assert.Equal(16777216u, GoFileMode.Socket);
        Assert.Equal(8388608u, GoFileMode.Setuid);
        Assert.Equal(4194304u, GoFileMode.Setgid);
        Assert.Equal(2097152u, GoFileMode.CharDevice);
        Assert.Equal(1048576u, GoFileMode.Sticky);
    }

    [Fact]
    public void SpecialBitsMapBothWays()
    {
        Assert.Equal(0xE00u, GoFileMode.ToUnixPermissions(GoFileMode.Setuid | GoFileMode.Setgid | GoFileMode.Sticky));
        Assert.Equal(GoFileMode.Setuid | GoFileMode.Setgid | GoFileMode.Sticky, GoFileMode.FromUnixMode(0x8E00));
    }

    [Theory]
    [InlineData(NodeType.File, 0u)]
    [InlineData(NodeType.Dir, GoFileMode.Dir)]
    [InlineData(NodeType.Symlink, GoFileMode.Symlink)]
    [InlineData(NodeType.Dev, GoFileMode.Device)]
    [InlineData(NodeType.Chardev, GoFileMode.Device | GoFileMode.CharDevice)]
    [InlineData(NodeType.Fifo, GoFileMode.NamedPipe)]
    [InlineData(NodeType.Socket, GoFileMode.Socket)]
    public void TypeBitsMatchTheNodeType(NodeType type, uint bits)
    {
        Assert.Equal(bits, GoFileMode.TypeBits(type));
    }
}
