using System.Text;
using Backup.Core.FileSystem;
using Backup.Linux.Tests.Infrastructure;

namespace Backup.Linux.Tests.FileSystem;

public sealed class LinuxFileSystemNamesTests : LinuxFileSystemTestBase
{
    /// <summary>Names as raw bytes: invalid UTF-8, control characters, the longest allowed, and valid multi-byte text.</summary>
    public static IEnumerable<byte[]> OddNames()
    {
        yield return [(byte)'f', 0xff, 0xfe, (byte)'g'];
        yield return [0x80];
        yield return [0xc0, 0xaf]; // overlong '/'
        yield return [0xed, 0xb3, 0xbf]; // an encoded surrogate, itself invalid UTF-8
        yield return [(byte)'a', 0xed, 0xb3, (byte)'b'];
        yield return Encoding.UTF8.GetBytes("new\nline");
        yield return Encoding.UTF8.GetBytes("tab\there \"quoted\" back\\slash <>&");
        yield return Encoding.UTF8.GetBytes("Ünïcødé 日本語 😀");
        yield return Encoding.UTF8.GetBytes(new string('x', 255));
        yield return Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("é", 127)) + "x"); // 255 bytes, 128 chars
        yield return [.. Enumerable.Repeat((byte)0xff, 255)];
        yield return Encoding.UTF8.GetBytes("-leading-dash");
        yield return Encoding.UTF8.GetBytes(" ");
        yield return Encoding.UTF8.GetBytes("...");
    }

    [Fact]
    public void Odd_names_are_created_with_exactly_their_bytes_and_listed_back()
    {
        var expected = OddNames().ToList();
        foreach (var bytes in expected)
        {
            WriteFile(PathEncoding.Decode(bytes), bytes);
        }

        // ls sees the bytes the kernel stored, with no decoding of ours in between.
        var onDisk = SplitOnNul(Shell.Ok($"ls -1 -A --zero {Shell.Quote(Temp.Path)}").StdOutBytes);
        Assert.Equal(Sorted(expected), Sorted(onDisk));

        var listed = FileSystem.ReadDirectory(Temp.Path);
        Assert.Equal(Sorted(expected), Sorted(listed.Select(PathEncoding.Encode)));
        foreach (var name in listed)
        {
            var status = FileSystem.LStat(Path.Combine(Temp.Path, name));
            Assert.Equal(FileKind.Regular, status.Kind);
            Assert.Equal(PathEncoding.Encode(name).Length, status.Size);
        }
    }

    [Fact]
    public void Odd_names_work_as_directories_and_symlink_targets()
    {
        var dirName = PathEncoding.Decode([(byte)'d', 0xff, (byte)'\n']);
        var target = PathEncoding.Decode([(byte)'.', (byte)'.', (byte)'/', 0xfe, 0x80]);
        var dir = Temp[dirName];
        FileSystem.CreateDirectory(dir, 0x1ED);
        FileSystem.CreateSymlink(target, Path.Combine(dir, "link"));

        Assert.Equal(["link"], FileSystem.ReadDirectory(dir));
        Assert.Equal(target, FileSystem.ReadLink(Path.Combine(dir, "link")));
        var rawTarget = Shell.Ok($"cd {Shell.Quote(Temp.Path)} && readlink -z d$'\\xff\\n'/link").StdOutBytes;
        Assert.Equal(new byte[] { (byte)'.', (byte)'.', (byte)'/', 0xfe, 0x80, 0 }, rawTarget);
    }

    [Fact]
    public void A_name_of_256_bytes_is_refused()
    {
        var error = Assert.Throws<FileSystemException>(() => FileSystem.CreateFile(Temp[new string('y', 256)], 0x1A4));
        Assert.Equal(36, error.Errno); // ENAMETOOLONG
    }

    [Fact]
    public void Ten_thousand_entries_are_all_listed()
    {
        // Varying lengths exercise record alignment; the total needs several getdents64 calls.
        var expected = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < 10_000; i++)
        {
            var name = $"entry-{i}-{new string('n', i % 40)}";
            expected.Add(name);
            FileSystem.CreateFile(Temp[name], 0x1A4).Dispose();
        }

        var listed = FileSystem.ReadDirectory(Temp.Path);

        Assert.Equal(10_000, listed.Count);
        Assert.True(expected.SetEquals(listed));
    }

    [Fact]
    public void An_empty_directory_lists_nothing()
    {
        Assert.Empty(FileSystem.ReadDirectory(Temp.Path));
    }

    [Fact]
    public void Dot_names_that_are_not_dot_or_dot_dot_are_listed()
    {
        WriteFile(".hidden", []);
        WriteFile("..x", []);

        Assert.Equal(["..x", ".hidden"], FileSystem.ReadDirectory(Temp.Path).Order(StringComparer.Ordinal));
    }

    private static List<byte[]> SplitOnNul(byte[] output)
    {
        var names = new List<byte[]>();
        var start = 0;
        for (var i = 0; i < output.Length; i++)
        {
            if (output[i] == 0)
            {
                names.Add(output[start..i]);
                start = i + 1;
            }
        }

        return names;
    }

    private static List<string> Sorted(IEnumerable<byte[]> names) =>
        names.Select(Convert.ToHexString).Order(StringComparer.Ordinal).ToList();
}
