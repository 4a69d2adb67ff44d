using Backup.Daemon.Scheduling;

namespace Backup.Daemon.Configuration;

/// <summary>Reads and checks one job file, jobs.d/NAME.yaml.</summary>
internal static class JobFileReader
{
    public static readonly string[] Keys =
    [
        "sources", "exclude", "exclude_caches", "one_file_system", "tags", "repository",
        "password_file", "password_credential", "schedule", "min_interval", "catch_up", "overdue_after", "notify",
        "watch", "full_scan_every",
    ];

    private const UnixFileMode GroupOrOthers =
        UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute |
        UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    /// <summary>The job, or null when the file has problems (they are added to <paramref name="problems"/>).</summary>
    public static JobDefinition? Read(string name, string text, NotifySettings notifyDefaults, ProblemList problems)
    {
        if (!ConfigFileParser.TryParse(text, problems, out var root))
        {
            return null;
        }

        if (root is not null and not ConfigMapping)
        {
            problems.Add(root, $"a job file must be a mapping of settings (key: value lines), not {root.KindName}");
            return null;
        }

        // An empty file is read as an empty mapping so that it is told what it lacks.
        var reader = new MappingReader(root as ConfigMapping ?? new ConfigMapping(1, 1, []), "", problems);
        reader.ReportUnknownKeys(Keys, "a job file",
            key => GlobalFileReader.Keys.Contains(key, StringComparer.Ordinal) && key != "notify" ? GlobalFileReader.FileName : null);

        var sources = ReadSources(reader);
        var exclude = ReadPatterns(reader);
        var tags = ReadTags(reader);
        var repository = ReadRepository(reader);
        var (passwordFile, passwordCredential) = ReadPasswordSource(reader);
        var schedule = ReadSchedule(reader);
        var job = new JobDefinition
        {
            Name = name,
            File = problems.File,
            Sources = sources,
            Exclude = exclude,
            ExcludeCaches = reader.Boolean("exclude_caches") ?? false,
            OneFileSystem = reader.Boolean("one_file_system") ?? false,
            Tags = tags,
            Repository = repository ?? "",
            PasswordFile = passwordFile,
            PasswordCredential = passwordCredential,
            Schedule = schedule,
            MinInterval = reader.Duration("min_interval"),
            CatchUp = reader.Boolean("catch_up") ?? false,
            OverdueAfter = reader.Duration("overdue_after"),
            Watch = reader.Boolean("watch") ?? true,
            FullScanEvery = reader.Duration("full_scan_every") ?? JobDefinition.DefaultFullScanEvery,
            Notify = NotifySection.Read(reader, "a job file").Over(notifyDefaults),
        };

        return problems.Count == 0 ? job : null;
    }

    private static List<string> ReadSources(MappingReader reader)
    {
        const string Example = "e.g. sources: [/home, /etc]";
        var items = reader.List("sources", "a list of absolute paths");
        var entry = reader.Find("sources");
        if (entry is null)
        {
            reader.Problems.Add(reader.Mapping, $"missing 'sources': list the directories to back up, {Example}");
        }
        else if (reader.IsEmpty("sources") || entry.Value is ConfigSequence { Items.Count: 0 })
        {
            reader.Problems.Add(entry.Key, $"'sources' is empty: list at least one directory to back up, {Example}");
        }

        var sources = new List<string>();
        foreach (var item in items ?? [])
        {
            if (!item.Value.StartsWith('/'))
            {
                reader.Problems.Add(item, $"source '{item.Value}' is not an absolute path: write the full path, starting with '/'");
            }

            sources.Add(item.Value);
        }

        return sources;
    }

    private static List<string> ReadPatterns(MappingReader reader)
    {
        var patterns = new List<string>();
        foreach (var item in reader.List("exclude", "a list of patterns") ?? [])
        {
            if (item.Value.Length == 0)
            {
                reader.Problems.Add(item, "an empty exclude pattern matches nothing: remove it");
            }

            patterns.Add(item.Value);
        }

        return patterns;
    }

    private static List<string> ReadTags(MappingReader reader)
    {
        var tags = new List<string>();
        foreach (var item in reader.List("tags", "a list of tags") ?? [])
        {
            // restic (and backupctl, mirroring it) splits --tag a,b at commas, so such a tag could never be selected.
            if (item.Value.Length == 0 || item.Value.Contains(','))
            {
                reader.Problems.Add(item, $"tag '{item.Value}' must be non-empty and without commas");
            }

            tags.Add(item.Value);
        }

        return tags;
    }

    private static string? ReadRepository(MappingReader reader)
    {
        const string Forms = "an absolute path (/srv/backup/home), sftp:[USER@]HOST:/PATH or rest:https://HOST/PATH";
        var entry = reader.Find("repository");
        var repository = reader.Scalar("repository", Forms);
        if (entry is null)
        {
            reader.Problems.Add(reader.Mapping, $"missing 'repository': say where the backups go, as {Forms}");
            return null;
        }

        if (reader.IsEmpty("repository"))
        {
            reader.Problems.Add(entry.Key, $"'repository' has no value: write {Forms}");
            return null;
        }

        if (repository is null)
        {
            return null;
        }

        // The value is not repeated: a rest: URL may carry a user and password.
        var value = repository.Value;
        var valid = value.StartsWith('/')
            || (value.StartsWith("sftp:", StringComparison.Ordinal) && value.Length > "sftp:".Length)
            || (value.StartsWith("rest:", StringComparison.Ordinal) && NotifySection.IsHttpUrl(value["rest:".Length..]));
        if (!valid)
        {
            reader.Problems.Add(repository, $"'repository' must be {Forms}");
        }

        return value;
    }

    private static (string? File, string? Credential) ReadPasswordSource(MappingReader reader)
    {
        var fileEntry = reader.Find("password_file");
        var credentialEntry = reader.Find("password_credential");
        var file = reader.Scalar("password_file", "the absolute path of a file that holds the repository password");
        var credential = reader.Scalar("password_credential", "the name of a systemd credential");
        if (fileEntry is null && credentialEntry is null)
        {
            reader.Problems.Add(reader.Mapping,
                "missing password_file or password_credential: the job needs the repository password from a file " +
                "(password_file: /etc/backup/NAME.pass, mode 600) or from a systemd credential (password_credential: NAME)");
            return (null, null);
        }

        if (fileEntry is not null && credentialEntry is not null)
        {
            var later = fileEntry.Key.Line > credentialEntry.Key.Line
                || (fileEntry.Key.Line == credentialEntry.Key.Line && fileEntry.Key.Column > credentialEntry.Key.Column)
                ? fileEntry
                : credentialEntry;
            reader.Problems.Add(later.Key, "set only one of password_file and password_credential: the password must come from one place");
        }

        foreach (var entry in new[] { fileEntry, credentialEntry })
        {
            if (entry is not null && reader.IsEmpty(entry.Name))
            {
                reader.Problems.Add(entry.Key, $"'{entry.Name}' has no value");
            }
        }

        // Neither value is repeated in messages: a password pasted here by mistake must not reach the journal.
        if (file is not null)
        {
            if (!file.Value.StartsWith('/'))
            {
                reader.Problems.Add(file,
                    "'password_file' must be the absolute path of a file that holds the password (never the password itself)");
            }
            else if (GroupOrOthersMode(file.Value) is { } mode)
            {
                reader.Problems.Add(file,
                    $"password file {file.Value} is open to group or others (mode {mode}): run chmod 600 {file.Value}");
            }
        }

        if (credential is not null && !IsCredentialName(credential.Value))
        {
            reader.Problems.Add(credential,
                "'password_credential' must be the name of a systemd credential (as in LoadCredential=NAME:…): " +
                "not empty, not '.' or '..', without '/' and at most 255 characters");
        }

        return (file?.Value, credential?.Value);
    }

    private static Schedule? ReadSchedule(MappingReader reader)
    {
        if (reader.Scalar("schedule", "a schedule such as daily 02:00") is not { } text)
        {
            return null;
        }

        if (Schedule.TryParse(text.Value, out var schedule, out var error))
        {
            return schedule;
        }

        reader.Problems.Add(text, $"'schedule': {error}");
        return null;
    }

    /// <summary>The permissions as octal text when a group or others may use the file; null when not, or when it cannot be told.</summary>
    private static string? GroupOrOthersMode(string path)
    {
        try
        {
            // A missing file is the job runner's to report: it may sit on a file system mounted later.
            if (!File.Exists(path))
            {
                return null;
            }

            var mode = File.GetUnixFileMode(path);
            return (mode & GroupOrOthers) != 0 ? Convert.ToString((int)mode & 0b111_111_111, 8).PadLeft(4, '0') : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>systemd's rule for credential names: a plain file name in $CREDENTIALS_DIRECTORY.</summary>
    internal static bool IsCredentialName(string name) =>
        name.Length is > 0 and <= 255
        && name is not "." and not ".."
        && !name.Contains('/')
        && !name.Any(char.IsControl);
}
