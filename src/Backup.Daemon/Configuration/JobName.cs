using System.Text.RegularExpressions;

namespace Backup.Daemon.Configuration;

/// <summary>A job's name becomes a systemd instance name (backup@NAME.service), so it is held to systemd's rules.</summary>
internal static partial class JobName
{
    // systemd refuses unit names longer than 255 characters; "backup@" and ".service" take 15 of them.
    public const int MaxLength = 240;

    public static bool IsValid(string name) => name.Length <= MaxLength && Pattern().IsMatch(name);

    public static string Problem(string name) =>
        name.Length > MaxLength
            ? $"the job name (the file name without .yaml) is {name.Length} characters long; systemd allows at most {MaxLength} here: rename the file"
            : $"'{name}' is not a valid job name: the name (the file name without .yaml) becomes the systemd unit backup@NAME.service, " +
              "so it must start with a letter or digit and hold only letters, digits and _ . @ -: rename the file";

    [GeneratedRegex(@"^[a-zA-Z0-9][a-zA-Z0-9_.@-]*\z", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
