using System.Globalization;

namespace Backup.Benchmarks;

/// <summary>
/// Rewrites <c>count</c> small files, chosen by the seed, with new contents (new size, same kind)
/// and the current time as mtime. With <c>revert</c> the same files get their generated contents
/// and mtimes back, so a dataset can be reused for the next run.
/// </summary>
internal static class Mutator
{
    public static int Run(string directory, int count, ulong seed, bool revert)
    {
        directory = Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory));
        var info = Dataset.Read(directory);
        if (info is not { Complete: true } e)
        {
            throw new UsageException($"{directory} is not a complete generated dataset (no {Dataset.InfoPath(directory)})");
        }

        var dataset = e.Dataset;
        if (count < 0 || count > dataset.SmallFiles)
        {
            throw new UsageException($"--count must be between 0 and {dataset.SmallFiles}", showUsage: true);
        }

        var pick = dataset.PickRng(seed);
        var chosen = new SortedSet<int>();
        while (chosen.Count < count)
        {
            chosen.Add(pick.Below(dataset.SmallFiles));
        }

        var buffer = new byte[Dataset.MaxSmallFileSize];
        var now = DateTime.UtcNow;
        long bytes = 0;
        foreach (var index in chosen)
        {
            var path = Path.Combine(directory, Dataset.SmallPath(index));
            if (!File.Exists(path))
            {
                throw new UsageException($"{path} is missing: the dataset was changed by something else");
            }

            var rng = revert ? dataset.SmallRng(index) : dataset.MutationRng(index, seed);
            var contents = FileWriting.SmallContents(buffer, Dataset.SmallIsText(index), ref rng);
            FileWriting.Write(path, contents, FileMode.Create, revert ? Dataset.SmallMtime(index) : now);
            bytes += contents.Length;
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{(revert ? "reverted" : "mutated")} {chosen.Count} small files of {directory} (seed {seed}, {bytes} bytes written)"));
        return 0;
    }
}
