using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Backup.Core.Chunking;
using Backup.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace Backup.IntegrationTests.Chunking;

/// <summary>
/// Backs files up with the real restic and chunks the same files with our chunker under the repository's
/// polynomial: equal lists of chunk IDs mean identical cut points, so data deduplicates between the two tools.
/// </summary>
public sealed class ChunkerMatchesResticTests : IDisposable
{
    private readonly ITestOutputHelper _output;
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "chunker-vs-restic-" + Guid.NewGuid().ToString("N"));

    public ChunkerMatchesResticTests(ITestOutputHelper output)
    {
        _output = output;
        Directory.CreateDirectory(_directory);
    }

    public void Dispose()
    {
        Directory.Delete(_directory, recursive: true);
    }

    [RequiresToolFact("restic")]
    public void Chunks_of_files_backed_up_by_restic_are_the_chunks_we_cut()
    {
        var restic = new Restic(Path.Combine(_directory, "repo"));
        restic.Ok("init");

        using var config = JsonDocument.Parse(restic.Ok("cat", "config"));
        var polynomialText = config.RootElement.GetProperty("chunker_polynomial").GetString()!;
        var polynomial = Polynomial.Parse(polynomialText);
        Assert.Equal(polynomialText, polynomial.ToString());
        Assert.True(polynomial.IsIrreducible(), $"restic's polynomial {polynomialText} tested reducible");
        Assert.Equal(53, polynomial.Degree);

        var data = Path.Combine(_directory, "data");
        Directory.CreateDirectory(data);
        var files = new Dictionary<string, byte[]>
        {
            ["random-20mb.bin"] = RandomBytes(20_000_000, seed: 1),
            ["server.log"] = TextLog(12_000_000, seed: 2),
            ["random-600kib.bin"] = RandomBytes(600 * 1024, seed: 3),
            ["pattern-9mib.bin"] = Pattern(9 * 1024 * 1024),
            ["zeros.bin"] = new byte[3 * 1024 * 1024 + 100],
            ["small.txt"] = "hello restic\n"u8.ToArray(),
            ["empty"] = Array.Empty<byte>(),
        };
        foreach (var (name, content) in files)
        {
            File.WriteAllBytes(Path.Combine(data, name), content);
        }

        var backup = restic.Run(new[] { "backup", "data" }, _directory);
        Assert.True(backup.ExitCode == 0, $"restic backup exited {backup.ExitCode}:\n{backup.StdErr}\n{backup.StdOut}");

        using var snapshots = JsonDocument.Parse(restic.Ok("snapshots", "--json"));
        var tree = Assert.Single(snapshots.RootElement.EnumerateArray()).GetProperty("tree").GetString()!;
        var resticContent = new Dictionary<string, List<string>>();
        CollectFileContent(restic, tree, resticContent);

        Assert.Equal(files.Keys.Order(), resticContent.Keys.Order());
        foreach (var name in files.Keys)
        {
            var ours = ChunkIds(Path.Combine(data, name), polynomial);
            _output.WriteLine($"{name}: {files[name].Length} bytes, restic {resticContent[name].Count} chunks, ours {ours.Count}");
            Assert.True(resticContent[name].SequenceEqual(ours), $"{name}: restic cut it into\n  {string.Join("\n  ", resticContent[name])}\nwe cut it into\n  {string.Join("\n  ", ours)}");
        }

        // The kinds of data must really have exercised content cuts, MinSize cuts and MaxSize cuts.
        Assert.InRange(resticContent["random-20mb.bin"].Count, 5, 40);
        Assert.InRange(resticContent["server.log"].Count, 3, 24);
        Assert.Equal(2, resticContent["pattern-9mib.bin"].Count);
        Assert.Equal(7, resticContent["zeros.bin"].Count);
        Assert.Empty(resticContent["empty"]);
    }

    /// <summary>Walks the tree blobs depth first, recording each file node's content list by name.</summary>
    private static void CollectFileContent(Restic restic, string treeId, Dictionary<string, List<string>> content)
    {
        using var tree = JsonDocument.Parse(restic.OkBytes("cat", "blob", treeId));
        foreach (var node in tree.RootElement.GetProperty("nodes").EnumerateArray())
        {
            var name = node.GetProperty("name").GetString()!;
            switch (node.GetProperty("type").GetString())
            {
                case "dir":
                    CollectFileContent(restic, node.GetProperty("subtree").GetString()!, content);
                    break;
                case "file":
                    var ids = node.TryGetProperty("content", out var list) && list.ValueKind == JsonValueKind.Array
                        ? list.EnumerateArray().Select(id => id.GetString()!).ToList()
                        : new List<string>();
                    content.Add(name, ids);
                    break;
            }
        }
    }

    private static List<string> ChunkIds(string path, Polynomial polynomial)
    {
        using var file = File.OpenRead(path);
        using var chunker = new StreamChunker(file, polynomial);
        var ids = new List<string>();
        while (chunker.TryReadNext(out var chunk))
        {
            using (chunk)
            {
                ids.Add(Convert.ToHexStringLower(SHA256.HashData(chunk.ToArray())));
            }
        }

        return ids;
    }

    private static byte[] RandomBytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    /// <summary>A plausible service log: timestamps, levels and repetitive messages with varying fields.</summary>
    private static byte[] TextLog(int approximateLength, int seed)
    {
        var random = new Random(seed);
        string[] levels = ["INFO", "INFO", "INFO", "DEBUG", "WARN", "ERROR"];
        string[] messages =
        [
            "accepted connection from 10.0.{0}.{1}:{2}",
            "request GET /api/v1/items/{0}?page={1} completed in {2} ms",
            "cache miss for key user:{0}:profile, loading from database shard {1}",
            "retrying upload of part {0} after timeout ({1} of {2})",
            "checkpoint written: {0} records, {1} bytes, lag {2} ms",
        ];
        var text = new StringBuilder(approximateLength + 200);
        var time = new DateTime(2024, 3, 1, 0, 0, 0, DateTimeKind.Utc);
        while (text.Length < approximateLength)
        {
            time = time.AddMilliseconds(random.Next(1, 5000));
            var message = string.Format(
                System.Globalization.CultureInfo.InvariantCulture,
                messages[random.Next(messages.Length)],
                random.Next(256),
                random.Next(100000),
                random.Next(65536));
            text.Append(time.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture))
                .Append(" app-server-").Append(random.Next(4)).Append(" worker[").Append(1000 + random.Next(32)).Append("] ")
                .Append(levels[random.Next(levels.Length)]).Append(' ').Append(message).Append('\n');
        }

        return Encoding.ASCII.GetBytes(text.ToString());
    }

    private static byte[] Pattern(int length)
    {
        var pattern = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-\n"u8;
        var bytes = new byte[length];
        for (var i = 0; i < length; i += pattern.Length)
        {
            pattern[..Math.Min(pattern.Length, length - i)].CopyTo(bytes.AsSpan(i));
        }

        return bytes;
    }
}
