using System.Globalization;

namespace Backup.Benchmarks;

/// <summary>Tools for scripts/benchmark.sh: make the dataset, change it, and list a tree for comparison.</summary>
internal static class Program
{
    private const string Usage = """
        usage:
          backup-bench generate DIR [--scale S] [--seed N]
              Make the benchmark dataset in DIR (reused when DIR.info says it is complete with the
              same seed and scale): 200,000 small files of 0-64 KiB in 2,000 directories and
              8 large files of 256 MiB, half compressible text and half random bytes, all times S.
          backup-bench mutate DIR [--count N] [--seed N] [--revert]
              Rewrite N (default 100) small files chosen by the seed with new contents and the
              current time as mtime; --revert puts back the generated contents and mtimes.
          backup-bench listing DIR --content FILE [--meta FILE]
              Write sorted listings of DIR: type, size, SHA-256 and path to FILE; type, mode,
              mtime and path to the --meta file.
        """;

    public static int Main(string[] args)
    {
        try
        {
            if (args.Length < 2)
            {
                throw new UsageException("a verb and a directory are required", showUsage: true);
            }

            var verb = args[0];
            var directory = args[1];
            var options = ParseOptions(args.AsSpan(2));
            switch (verb)
            {
                case "generate":
                    Allow(options, "--scale", "--seed");
                    var scale = double.Parse(options.GetValueOrDefault("--scale", "1"), CultureInfo.InvariantCulture);
                    if (!(scale > 0 && scale <= 100))
                    {
                        throw new UsageException("--scale must be above 0 and at most 100", showUsage: true);
                    }

                    return Generator.Run(directory, new Dataset(ulong.Parse(options.GetValueOrDefault("--seed", "1"), CultureInfo.InvariantCulture), scale));
                case "mutate":
                    Allow(options, "--count", "--seed", "--revert");
                    return Mutator.Run(
                        directory,
                        int.Parse(options.GetValueOrDefault("--count", "100"), CultureInfo.InvariantCulture),
                        ulong.Parse(options.GetValueOrDefault("--seed", "1"), CultureInfo.InvariantCulture),
                        options.ContainsKey("--revert"));
                case "listing":
                    Allow(options, "--content", "--meta");
                    if (!options.TryGetValue("--content", out var content))
                    {
                        throw new UsageException("--content FILE is required", showUsage: true);
                    }

                    return Listing.Run(directory, content, options.GetValueOrDefault("--meta"));
                default:
                    throw new UsageException($"unknown verb {verb}", showUsage: true);
            }
        }
        catch (Exception e) when (e is UsageException or FormatException or OverflowException)
        {
            Console.Error.WriteLine($"backup-bench: {e.Message}");
            if (e is not UsageException { ShowUsage: false })
            {
                Console.Error.WriteLine(Usage);
            }

            return 2;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"backup-bench: {e.Message}");
            return 1;
        }
    }

    private static Dictionary<string, string> ParseOptions(ReadOnlySpan<string> args)
    {
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i];
            if (!name.StartsWith("--", StringComparison.Ordinal))
            {
                throw new UsageException($"unexpected argument {name}", showUsage: true);
            }

            if (name == "--revert")
            {
                options[name] = "";
                continue;
            }

            if (i + 1 >= args.Length)
            {
                throw new UsageException($"{name} needs a value", showUsage: true);
            }

            options[name] = args[++i];
        }

        return options;
    }

    private static void Allow(Dictionary<string, string> options, params string[] allowed)
    {
        foreach (var name in options.Keys)
        {
            if (!allowed.Contains(name))
            {
                throw new UsageException($"unknown option {name}", showUsage: true);
            }
        }
    }
}
