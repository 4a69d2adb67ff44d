using System.Globalization;
using System.Text;

namespace Backup.Benchmarks;

/// <summary>
/// The shape of a generated dataset and where each file lives. Everything about a file (path,
/// size, kind, contents, mtime) is a function of the seed and the file's index.
/// </summary>
internal sealed record Dataset(ulong Seed, double Scale)
{
    public const int FormatVersion = 1;
    public const int FullSmallFiles = 200_000;
    public const int FilesPerDirectory = 100;
    public const int MaxSmallFileSize = 64 * 1024;
    public const int LargeFiles = 8;
    public const long FullLargeFileSize = 256L * 1024 * 1024;
    public const int ChunkSize = 4 * 1024 * 1024;

    private const ulong StreamSmall = 1, StreamLarge = 2, StreamMutation = 3, StreamPick = 4;

    /// <summary>2024-01-01T00:00:00Z: all generated files get fixed modification times from here on.</summary>
    private static readonly DateTime Epoch = new(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    public int SmallFiles => Math.Max(1, (int)Math.Round(FullSmallFiles * Scale));

    public long LargeFileSize => Math.Max(1, (long)Math.Round(FullLargeFileSize * Scale));

    public int LeafDirectories => (SmallFiles + FilesPerDirectory - 1) / FilesPerDirectory;

    /// <summary>Small files alternate: even indexes are log-like text, odd ones random bytes.</summary>
    public static bool SmallIsText(int index) => index % 2 == 0;

    /// <summary>Large files alternate the same way: 0, 2, 4, 6 random; 1, 3, 5, 7 text.</summary>
    public static bool LargeIsText(int index) => index % 2 == 1;

    /// <summary>small/aNNN/bN/cN: three levels of 20 × 10 × 10 directories at full scale, 100 files in each leaf.</summary>
    public static string LeafDirectory(int leaf)
        => string.Create(CultureInfo.InvariantCulture, $"small/a{leaf / 100:D3}/b{leaf / 10 % 10}/c{leaf % 10}");

    public static string SmallPath(int index)
        => string.Create(
            CultureInfo.InvariantCulture,
            $"{LeafDirectory(index / FilesPerDirectory)}/f{index % FilesPerDirectory:D3}.{(SmallIsText(index) ? "log" : "bin")}");

    public static string LargePath(int index)
        => string.Create(CultureInfo.InvariantCulture, $"large/large-{index}.{(LargeIsText(index) ? "log" : "bin")}");

    public static DateTime SmallMtime(int index) => Epoch.AddSeconds(index).AddTicks(index % 10_000_000);

    public static DateTime LargeMtime(int index) => Epoch.AddDays(1).AddSeconds(index);

    /// <summary>The generator for small file <paramref name="index"/>; the first draw is its size.</summary>
    public Rng SmallRng(int index) => Rng.For(Seed, StreamSmall, (ulong)index);

    public Rng LargeRng(int index) => Rng.For(Seed, StreamLarge, (ulong)index);

    public Rng MutationRng(int index, ulong mutationSeed) => Rng.For(Seed, StreamMutation, (ulong)index, mutationSeed);

    public Rng PickRng(ulong mutationSeed) => Rng.For(Seed, StreamPick, mutationSeed);

    /// <summary>The file that records what a directory holds lives beside it, so it is not part of any backup.</summary>
    public static string InfoPath(string directory) => Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory)) + ".info";

    public string Describe(bool complete, long totalBytes)
    {
        var b = new StringBuilder();
        b.Append(CultureInfo.InvariantCulture, $"format={FormatVersion}\n");
        b.Append(CultureInfo.InvariantCulture, $"seed={Seed}\n");
        b.Append(CultureInfo.InvariantCulture, $"scale={Scale.ToString("R", CultureInfo.InvariantCulture)}\n");
        b.Append(CultureInfo.InvariantCulture, $"small_files={SmallFiles}\n");
        b.Append(CultureInfo.InvariantCulture, $"large_files={LargeFiles}\n");
        b.Append(CultureInfo.InvariantCulture, $"large_file_bytes={LargeFileSize}\n");
        b.Append(CultureInfo.InvariantCulture, $"total_bytes={totalBytes}\n");
        b.Append(CultureInfo.InvariantCulture, $"complete={(complete ? "yes" : "no")}\n");
        return b.ToString();
    }

    public static (Dataset Dataset, bool Complete, long TotalBytes)? Read(string directory)
    {
        var path = InfoPath(directory);
        if (!File.Exists(path))
        {
            return null;
        }

        var values = File.ReadAllLines(path)
            .Select(l => l.Split('=', 2))
            .Where(p => p.Length == 2)
            .ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);
        if (!values.TryGetValue("format", out var format) || format != FormatVersion.ToString(CultureInfo.InvariantCulture))
        {
            throw new UsageException($"{path}: not written by this version of the generator");
        }

        var dataset = new Dataset(
            ulong.Parse(values["seed"], CultureInfo.InvariantCulture),
            double.Parse(values["scale"], CultureInfo.InvariantCulture));
        return (dataset, values.GetValueOrDefault("complete") == "yes", long.Parse(values["total_bytes"], CultureInfo.InvariantCulture));
    }
}

/// <summary>A mistake on the command line (<paramref name="showUsage"/>) or a dataset that cannot be used as asked.</summary>
internal sealed class UsageException(string message, bool showUsage = false) : Exception(message)
{
    public bool ShowUsage { get; } = showUsage;
}
