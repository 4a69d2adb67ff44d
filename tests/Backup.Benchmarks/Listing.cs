using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Backup.Benchmarks;

/// <summary>
/// Writes two sorted listings of a tree, used to check a restore against its source:
/// contents (type, size, SHA-256, path) and metadata (type, mode, mtime, path). Files are hashed
/// on all cores.
/// </summary>
internal static class Listing
{
    private sealed record Entry(string Path, char Type, long Size, string Mode, long MtimeTicks)
    {
        public string Hash { get; set; } = "-";
    }

    public static int Run(string directory, string contentFile, string? metaFile)
    {
        directory = Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory));
        if (!Directory.Exists(directory))
        {
            throw new UsageException($"{directory} is not a directory");
        }

        var options = new EnumerationOptions
        {
            RecurseSubdirectories = true,
            AttributesToSkip = 0,
            IgnoreInaccessible = false,
            ReturnSpecialDirectories = false,
        };
        var entries = new List<Entry>();
        foreach (var path in Directory.EnumerateFileSystemEntries(directory, "*", options))
        {
            var info = new FileInfo(path);
            var relative = Path.GetRelativePath(directory, path);
            var mode = Convert.ToString((int)info.UnixFileMode, 8);
            var mtime = info.LastWriteTimeUtc.Ticks;
            if (info.LinkTarget is not null)
            {
                entries.Add(new Entry(relative, 'l', 0, mode, mtime) { Hash = info.LinkTarget });
            }
            else if (info.Attributes.HasFlag(FileAttributes.Directory))
            {
                entries.Add(new Entry(relative, 'd', 0, mode, mtime));
            }
            else
            {
                entries.Add(new Entry(relative, 'f', info.Length, mode, mtime));
            }
        }

        entries.Sort((a, b) => string.CompareOrdinal(a.Path, b.Path));
        Parallel.ForEach(
            entries.Where(e => e.Type == 'f'),
            new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount },
            entry => entry.Hash = HashFile(Path.Combine(directory, entry.Path)));

        using (var content = new StreamWriter(contentFile, false, new UTF8Encoding(false)))
        {
            foreach (var e in entries)
            {
                content.Write(string.Create(CultureInfo.InvariantCulture, $"{e.Type} {e.Size} {e.Hash} {e.Path}\n"));
            }
        }

        if (metaFile is not null)
        {
            using var meta = new StreamWriter(metaFile, false, new UTF8Encoding(false));
            foreach (var e in entries)
            {
                meta.Write(string.Create(CultureInfo.InvariantCulture, $"{e.Type} {e.Mode} {e.MtimeTicks} {e.Path}\n"));
            }
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"listed {directory}: {entries.Count(e => e.Type == 'f')} files, {entries.Count(e => e.Type == 'd')} directories, {entries.Sum(e => e.Size)} bytes"));
        return 0;
    }

    private static string HashFile(string path)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(1 << 20);
        try
        {
            using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.SequentialScan);
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            long offset = 0;
            int n;
            while ((n = RandomAccess.Read(handle, buffer, offset)) > 0)
            {
                hash.AppendData(buffer, 0, n);
                offset += n;
            }

            return Convert.ToHexStringLower(hash.GetHashAndReset());
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
