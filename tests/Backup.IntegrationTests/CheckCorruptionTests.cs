using Backup.IntegrationTests.Infrastructure;

namespace Backup.IntegrationTests;

/// <summary>Damage that check must find, each time naming the damaged object.</summary>
public sealed class CheckCorruptionTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly Backupctl _ours;

    public CheckCorruptionTests()
    {
        var source = _temp.Sub("source");
        Directory.CreateDirectory(source);
        for (var i = 0; i < 5; i++)
        {
            File.WriteAllBytes(Path.Combine(source, $"file{i}"), ResticOracleTests.RandomBytes(200_000 * (i + 1), i));
        }

        _ours = new Backupctl(_temp.Sub("repo"));
        _ours.Ok("init");
        _ours.Ok(["backup", "source"], _temp.Path);
        _ours.Ok("check", "--read-data");
    }

    public void Dispose() => _temp.Dispose();

    private string Repo => _ours.Repository;

    [Fact]
    public void A_flipped_byte_in_a_data_pack_fails_check_read_data_naming_the_pack()
    {
        var pack = LargestPack();
        MakeWritable(pack);
        using (var stream = new FileStream(pack, FileMode.Open, FileAccess.ReadWrite))
        {
            stream.Position = 1000;
            var b = stream.ReadByte();
            stream.Position = 1000;
            stream.WriteByte((byte)(b ^ 0x01));
        }

        // Structure is intact, so a plain check passes; reading the data must not.
        _ours.Ok("check");
        var result = _ours.Run("check", "--read-data");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains(Path.GetFileName(pack), result.StdErr);
    }

    [Fact]
    public void A_truncated_index_fails_check_naming_the_index()
    {
        var index = Directory.GetFiles(Path.Combine(Repo, "index")).Single();
        MakeWritable(index);
        var bytes = File.ReadAllBytes(index);
        File.WriteAllBytes(index, bytes[..(bytes.Length / 2)]);

        var result = _ours.Run("check");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains(Path.GetFileName(index), result.StdErr);
    }

    [Fact]
    public void A_deleted_pack_fails_check_naming_the_pack()
    {
        var pack = LargestPack();
        File.Delete(pack);

        var result = _ours.Run("check");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains(Path.GetFileName(pack), result.StdErr);
        Assert.Contains("missing", result.StdErr);
    }

    [Fact]
    public void A_pack_with_trailing_garbage_fails_check_with_its_size()
    {
        var pack = LargestPack();
        MakeWritable(pack);
        File.AppendAllText(pack, "junk!");

        var result = _ours.Run("check");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains(Path.GetFileName(pack), result.StdErr);
        Assert.Contains("size", result.StdErr);
    }

    private string LargestPack() =>
        Directory.GetFiles(Path.Combine(Repo, "data"), "*", SearchOption.AllDirectories).OrderByDescending(f => new FileInfo(f).Length).First();

    private static void MakeWritable(string path) => File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
}
