using System.Diagnostics;
using System.Globalization;

namespace Backup.Benchmarks;

internal static class Generator
{
    public static int Run(string directory, Dataset dataset)
    {
        directory = Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory));
        var existing = Dataset.Read(directory);
        if (existing is { } e)
        {
            if (e.Complete && e.Dataset == dataset && Directory.Exists(directory))
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"dataset {directory} already complete (seed {dataset.Seed}, scale {dataset.Scale}, {e.TotalBytes / 1e9:0.00} GB): reused"));
                return 0;
            }

            if (e.Complete && e.Dataset != dataset && Directory.Exists(directory))
            {
                throw new UsageException(
                    $"{directory} holds a dataset of other parameters (seed {e.Dataset.Seed}, scale {e.Dataset.Scale}); remove it and {Dataset.InfoPath(directory)} or choose another directory");
            }

            // An earlier run of ours stopped half-way (or the directory is gone): start again.
            Console.WriteLine($"removing the incomplete dataset {directory}");
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
        else if (Directory.Exists(directory) && Directory.EnumerateFileSystemEntries(directory).Any())
        {
            throw new UsageException($"{directory} exists, is not empty and was not made by this generator");
        }

        var clock = Stopwatch.StartNew();
        Directory.CreateDirectory(directory);
        File.WriteAllText(Dataset.InfoPath(directory), dataset.Describe(complete: false, 0));
        Directory.CreateDirectory(Path.Combine(directory, "large"));
        for (var leaf = 0; leaf < dataset.LeafDirectories; leaf++)
        {
            Directory.CreateDirectory(Path.Combine(directory, Dataset.LeafDirectory(leaf)));
        }

        var parallel = new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount };
        long total = 0;

        Parallel.For(0, Dataset.LargeFiles, parallel, index =>
        {
            WriteLarge(Path.Combine(directory, Dataset.LargePath(index)), dataset, index);
            Interlocked.Add(ref total, dataset.LargeFileSize);
        });
        var largeSeconds = clock.Elapsed.TotalSeconds;

        Parallel.For(0, dataset.LeafDirectories, parallel, leaf =>
        {
            var buffer = new byte[Dataset.MaxSmallFileSize];
            long bytes = 0;
            var end = Math.Min(dataset.SmallFiles, (leaf + 1) * Dataset.FilesPerDirectory);
            for (var index = leaf * Dataset.FilesPerDirectory; index < end; index++)
            {
                var rng = dataset.SmallRng(index);
                var contents = FileWriting.SmallContents(buffer, Dataset.SmallIsText(index), ref rng);
                FileWriting.Write(Path.Combine(directory, Dataset.SmallPath(index)), contents, FileMode.CreateNew, Dataset.SmallMtime(index));
                bytes += contents.Length;
            }

            Interlocked.Add(ref total, bytes);
        });

        File.WriteAllText(Dataset.InfoPath(directory), dataset.Describe(complete: true, total));
        var seconds = clock.Elapsed.TotalSeconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"generated {directory}: {Dataset.LargeFiles} large files of {dataset.LargeFileSize / 1048576.0:0.##} MiB in {largeSeconds:0.0} s, " +
            $"{dataset.SmallFiles} small files in {dataset.LeafDirectories} directories in {seconds - largeSeconds:0.0} s; " +
            $"{total / 1e9:0.00} GB in total, {total / 1e6 / seconds:0} MB/s"));
        return 0;
    }

    private static void WriteLarge(string path, Dataset dataset, int index)
    {
        var rng = dataset.LargeRng(index);
        var text = Dataset.LargeIsText(index);
        var buffer = new byte[Dataset.ChunkSize];
        using (var handle = File.OpenHandle(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, FileOptions.None, dataset.LargeFileSize))
        {
            for (long offset = 0; offset < dataset.LargeFileSize; offset += buffer.Length)
            {
                var chunk = buffer.AsSpan(0, (int)Math.Min(buffer.Length, dataset.LargeFileSize - offset));
                if (text)
                {
                    TextContent.Fill(chunk, ref rng);
                }
                else
                {
                    rng.Fill(chunk);
                }

                RandomAccess.Write(handle, chunk, offset);
            }

            File.SetLastWriteTimeUtc(handle, Dataset.LargeMtime(index));
        }
    }
}
