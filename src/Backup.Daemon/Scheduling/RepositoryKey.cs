namespace Backup.Daemon.Scheduling;

/// <summary>
/// The repository a job writes to, normalised so that two spellings of one repository compare equal
/// ("/srv/repo/", "/srv//repo", "local:/srv/repo"). Symbolic links are not resolved: that would touch a
/// destination that may be absent.
/// </summary>
internal static class RepositoryKey
{
    public static string Normalize(string repository)
    {
        var text = repository.Trim();
        if (text.StartsWith("local:", StringComparison.Ordinal))
        {
            text = text["local:".Length..];
        }

        if (text.StartsWith('/'))
        {
            var full = System.IO.Path.GetFullPath(text);
            return full.Length > 1 ? full.TrimEnd('/') : full;
        }

        // sftp:host:/path, rest:https://…, s3:…: only trailing slashes are certainly insignificant.
        var trimmed = text.TrimEnd('/');
        return trimmed.Length > 0 ? trimmed : text;
    }
}
