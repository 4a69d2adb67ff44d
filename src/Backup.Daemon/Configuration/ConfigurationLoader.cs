using System.Text;

namespace Backup.Daemon.Configuration;

/// <summary>
/// Reads CONFIGDIR/backup.yaml (optional, daemon-wide settings) and CONFIGDIR/jobs.d/NAME.yaml (one job
/// each). Nothing here throws for a bad file: every problem becomes a <see cref="ConfigProblem"/>, a job
/// with problems is disabled on its own, and the other jobs still run.
/// </summary>
public static class ConfigurationLoader
{
    public const string JobsDirectoryName = "jobs.d";

    private const string JobExtension = ".yaml";

    // A job file is a dozen lines; the cap keeps a file that is not one (a log, a device) from filling memory.
    private const int MaxFileBytes = 1024 * 1024;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static DaemonConfiguration Load(string configDir)
    {
        var globalProblems = new List<ConfigProblem>();
        if (!Directory.Exists(configDir))
        {
            globalProblems.Add(new ConfigProblem(configDir, 0, 0, File.Exists(configDir)
                ? $"the configuration directory {configDir} is a file, not a directory"
                : $"the configuration directory {configDir} does not exist: create it, with the jobs in {JobsDirectoryName}/NAME.yaml"));
            return new DaemonConfiguration
            {
                Global = new GlobalSettings(),
                Jobs = [],
                DisabledJobs = new Dictionary<string, IReadOnlyList<ConfigProblem>>(),
                GlobalProblems = globalProblems,
            };
        }

        var global = LoadGlobal(configDir, globalProblems);
        var jobs = new List<JobDefinition>();
        var disabled = new Dictionary<string, IReadOnlyList<ConfigProblem>>(StringComparer.Ordinal);
        LoadJobs(Path.Combine(configDir, JobsDirectoryName), global.Notify, jobs, disabled, globalProblems);

        // Ordered by name, not by file name ("a.b.yaml" sorts before "a.yaml"), so listings read naturally.
        return new DaemonConfiguration
        {
            Global = global,
            Jobs = jobs.OrderBy(j => j.Name, StringComparer.Ordinal).ToList(),
            DisabledJobs = disabled.OrderBy(d => d.Key, StringComparer.Ordinal).ToDictionary(StringComparer.Ordinal),
            GlobalProblems = globalProblems,
        };
    }

    private static GlobalSettings LoadGlobal(string configDir, List<ConfigProblem> globalProblems)
    {
        var path = Path.Combine(configDir, GlobalFileReader.FileName);
        var problems = new ProblemList(path);
        // A dangling symbolic link is not "no global file": it is reported when reading fails.
        if (!File.Exists(path) && !Directory.Exists(path) && new FileInfo(path).LinkTarget is null)
        {
            var misnamed = Path.ChangeExtension(path, ".yml");
            if (File.Exists(misnamed))
            {
                globalProblems.Add(new ConfigProblem(misnamed, 0, 0,
                    $"configuration files end in .yaml: rename {Path.GetFileName(misnamed)} to {GlobalFileReader.FileName} (it is not read)"));
            }

            return new GlobalSettings();
        }

        GlobalSettings? settings = null;
        if (ReadText(path, problems) is { } text)
        {
            settings = GlobalFileReader.Read(text, problems);
        }

        globalProblems.AddRange(problems.ToList());
        return problems.Count == 0 && settings is not null ? settings : new GlobalSettings();
    }

    private static void LoadJobs(
        string jobsDir,
        NotifySettings notifyDefaults,
        List<JobDefinition> jobs,
        Dictionary<string, IReadOnlyList<ConfigProblem>> disabled,
        List<ConfigProblem> globalProblems)
    {
        if (!Directory.Exists(jobsDir))
        {
            // No jobs.d is a daemon without jobs; a file in its place is a mistake.
            if (File.Exists(jobsDir))
            {
                globalProblems.Add(new ConfigProblem(jobsDir, 0, 0, $"{jobsDir} is a file; it must be a directory holding one NAME.yaml per job"));
            }

            return;
        }

        List<string> names;
        try
        {
            names = Directory.EnumerateFileSystemEntries(jobsDir).Select(p => Path.GetFileName(p)).Order(StringComparer.Ordinal).ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            globalProblems.Add(new ConfigProblem(jobsDir, 0, 0, $"cannot list the job directory: {e.Message}"));
            return;
        }

        foreach (var fileName in names)
        {
            // Hidden files are editor locks and swap files (.#home.yaml), as in systemd's and sudo's .d directories.
            if (fileName.StartsWith('.'))
            {
                continue;
            }

            var path = Path.Combine(jobsDir, fileName);
            if (fileName.EndsWith(".yml", StringComparison.Ordinal))
            {
                var stem = fileName[..^".yml".Length];
                var problem = new ConfigProblem(path, 0, 0, $"job files end in .yaml: rename {fileName} to {stem}{JobExtension} (it is not read)");
                if (names.Contains(stem + JobExtension, StringComparer.Ordinal))
                {
                    // The .yaml file is the job; this stray copy must not disable it.
                    globalProblems.Add(problem);
                }
                else
                {
                    disabled[stem] = [problem];
                }

                continue;
            }

            // Anything else (home.yaml~, home.yaml.dpkg-old, README) is not a job.
            if (!fileName.EndsWith(JobExtension, StringComparison.Ordinal))
            {
                continue;
            }

            var name = fileName[..^JobExtension.Length];
            var problems = new ProblemList(path);
            if (!JobName.IsValid(name))
            {
                problems.AddForFile(JobName.Problem(name));
            }

            JobDefinition? job = null;
            if (ReadText(path, problems) is { } text)
            {
                job = JobFileReader.Read(name, text, notifyDefaults, problems);
            }

            if (job is not null && problems.Count == 0)
            {
                jobs.Add(job);
            }
            else
            {
                disabled[name] = problems.ToList();
            }
        }
    }

    /// <summary>The file's text, or null with a problem when it cannot be used.</summary>
    private static string? ReadText(string path, ProblemList problems)
    {
        if (Directory.Exists(path))
        {
            problems.AddForFile("is a directory, not a configuration file");
            return null;
        }

        byte[] bytes;
        try
        {
            // A file anyone may change would let any user choose what root backs up and where it sends it.
            if ((File.GetUnixFileMode(path) & UnixFileMode.OtherWrite) != 0)
            {
                problems.AddForFile($"any user can change this file: run chmod o-w {path}");
            }

            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read);
            using var content = new MemoryStream();
            var chunk = new byte[16 * 1024];
            int read;
            while ((read = stream.Read(chunk)) > 0)
            {
                content.Write(chunk, 0, read);
                if (content.Length > MaxFileBytes)
                {
                    problems.AddForFile($"is larger than {MaxFileBytes / 1024} KiB; a configuration file is a few lines");
                    return null;
                }
            }

            bytes = content.ToArray();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            problems.AddForFile($"cannot be read: {e.Message}");
            return null;
        }

        try
        {
            var text = StrictUtf8.GetString(bytes);
            return text.StartsWith('\uFEFF') ? text[1..] : text;
        }
        catch (DecoderFallbackException)
        {
            problems.AddForFile("is not UTF-8 text: save it as UTF-8");
            return null;
        }
    }
}
