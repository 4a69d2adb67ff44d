using System.CommandLine;

namespace Backup.Cli;

/// <summary>Options every command accepts.</summary>
public static class GlobalOptions
{
    public static readonly Option<string?> Repository = new("--repo", "-r")
    {
        Description = "Repository location (a directory); default: $BACKUP_REPOSITORY",
        Recursive = true,
        HelpName = "REPOSITORY",
    };

    public static readonly Option<string?> PasswordFile = new("--password-file", "-p")
    {
        Description = "Read the repository password from FILE (surrounding whitespace is trimmed); default: $BACKUP_PASSWORD_FILE",
        Recursive = true,
        HelpName = "FILE",
    };

    public static readonly Option<bool> Json = new("--json")
    {
        Description = "Print machine-readable JSON instead of text",
        Recursive = true,
    };

    public static readonly Option<bool> Quiet = new("--quiet", "-q")
    {
        Description = "Print only errors and warnings (no progress, no summary)",
        Recursive = true,
    };

    public static void AddTo(RootCommand root)
    {
        root.Options.Add(Repository);
        root.Options.Add(PasswordFile);
        root.Options.Add(Json);
        root.Options.Add(Quiet);
    }
}
