using System.Buffers.Binary;
using System.Text;
using Backup.Core.FileSystem;
using Backup.Linux.Tests.Infrastructure;

namespace Backup.Linux.Tests.FileSystem;

public sealed class LinuxFileSystemExtendedAttributesTests : LinuxFileSystemTestBase
{
    private const ushort AclUser = 0x02; // ACL_USER in the posix_acl_xattr entry tag

    [Fact]
    public void Text_binary_empty_and_large_values_round_trip()
    {
        var file = WriteFile("file", [1]);
        var values = new Dictionary<string, byte[]>
        {
            ["user.text"] = Encoding.UTF8.GetBytes("hello wörld"),
            ["user.binary"] = [.. Enumerable.Range(0, 256).Select(i => (byte)i)],
            ["user.empty"] = [],
            ["user.large"] = [.. Enumerable.Range(0, 3000).Select(i => (byte)(i * 7))],
        };

        foreach (var (name, value) in values)
        {
            FileSystem.SetExtendedAttribute(file, name, value);
        }

        var read = FileSystem.ReadExtendedAttributes(file);
        Assert.Equal(values.Keys.Order(StringComparer.Ordinal), read.Select(a => a.Name).Order(StringComparer.Ordinal));
        foreach (var attribute in read)
        {
            Assert.Equal(values[attribute.Name], attribute.Value);
        }

        // getfattr reads the same values independently.
        var dump = Shell.Ok($"getfattr --absolute-names -n user.binary -e hex {Shell.Quote(file)}").StdOut;
        Assert.Contains("user.binary=0x" + Convert.ToHexString(values["user.binary"]).ToLowerInvariant(), dump, StringComparison.Ordinal);
    }

    [Fact]
    public void Attributes_set_by_setfattr_are_read()
    {
        var file = WriteFile("file", [1]);
        Shell.Ok($"setfattr -n user.one -v 0x00ff00 {Shell.Quote(file)} && setfattr -n user.two -v text {Shell.Quote(file)}");

        var read = FileSystem.ReadExtendedAttributes(file).ToDictionary(a => a.Name, a => a.Value);

        Assert.Equal(new byte[] { 0x00, 0xff, 0x00 }, read["user.one"]);
        Assert.Equal("text"u8.ToArray(), read["user.two"]);
    }

    [Fact]
    public void A_file_without_attributes_has_none()
    {
        Assert.Empty(FileSystem.ReadExtendedAttributes(WriteFile("file", [1])));
    }

    [Fact]
    public void A_symlink_s_attributes_are_its_own_not_its_target_s()
    {
        var file = WriteFile("file", [1]);
        FileSystem.SetExtendedAttribute(file, "user.target-only", [1]);
        FileSystem.CreateSymlink("file", Temp["link"]);

        Assert.DoesNotContain(FileSystem.ReadExtendedAttributes(Temp["link"]), a => a.Name == "user.target-only");
    }

    [Fact]
    public void A_posix_acl_set_by_setfacl_is_read_as_system_posix_acl_access()
    {
        var file = WriteFile("file", [1]);
        Shell.Ok($"setfacl -m u:nobody:r {Shell.Quote(file)}");

        var acl = Assert.Single(FileSystem.ReadExtendedAttributes(file), a => a.Name == "system.posix_acl_access");

        Assert.Contains(ParseAcl(acl.Value), e => e == (AclUser, 4, 65534u));
    }

    [Fact]
    public void A_posix_acl_written_as_an_attribute_is_what_getfacl_shows()
    {
        var source = WriteFile("source", [1]);
        FileSystem.CreateDirectory(Temp["dir"], 0x1ED);
        Shell.Ok($"setfacl -m u:nobody:rw {Shell.Quote(source)} && setfacl -d -m u:nobody:rx {Shell.Quote(Temp["dir"])}");
        var access = FileSystem.ReadExtendedAttributes(source).Single(a => a.Name == "system.posix_acl_access");
        var defaults = FileSystem.ReadExtendedAttributes(Temp["dir"]).Single(a => a.Name == "system.posix_acl_default");

        var copy = WriteFile("copy", [1]);
        FileSystem.CreateDirectory(Temp["dir-copy"], 0x1ED);
        FileSystem.SetExtendedAttribute(copy, access.Name, access.Value);
        FileSystem.SetExtendedAttribute(Temp["dir-copy"], defaults.Name, defaults.Value);

        Assert.Contains("user:65534:rw-", Shell.Ok($"getfacl -n {Shell.Quote(copy)}").StdOut, StringComparison.Ordinal);
        Assert.Contains("default:user:65534:r-x", Shell.Ok($"getfacl -n {Shell.Quote(Temp["dir-copy"])}").StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public void Setting_an_attribute_that_cannot_exist_names_path_and_attribute()
    {
        var file = WriteFile("file", [1]);

        var error = Assert.Throws<FileSystemException>(() => FileSystem.SetExtendedAttribute(file, "nonamespace", [1]));

        Assert.Equal("lsetxattr", error.Operation);
        Assert.Equal(file, error.Path);
        Assert.Contains("nonamespace", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_filesystem_without_attribute_support_reports_none()
    {
        // procfs has no extended attributes.
        Assert.Empty(FileSystem.ReadExtendedAttributes("/proc/self/stat"));
    }

    /// <summary>posix_acl_xattr: a u32 version header, then entries of (u16 tag, u16 permissions, u32 id), little-endian.</summary>
    private static List<(ushort Tag, ushort Permissions, uint Id)> ParseAcl(byte[] value)
    {
        Assert.Equal(2u, BinaryPrimitives.ReadUInt32LittleEndian(value));
        var entries = new List<(ushort, ushort, uint)>();
        for (var offset = 4; offset + 8 <= value.Length; offset += 8)
        {
            entries.Add((
                BinaryPrimitives.ReadUInt16LittleEndian(value.AsSpan(offset)),
                BinaryPrimitives.ReadUInt16LittleEndian(value.AsSpan(offset + 2)),
                BinaryPrimitives.ReadUInt32LittleEndian(value.AsSpan(offset + 4))));
        }

        return entries;
    }
}
