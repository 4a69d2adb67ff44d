using System.Text;

namespace Backup.Core.Repository;

/// <summary>Reads a repository password from a file the way restic does: surrounding whitespace trimmed.</summary>
public static class PasswordFile
{
    /// <param name="what">How the file was named to us, for messages ("--password-file", "job home: password_file").</param>
    public static byte[] Read(string path, string what)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ArgumentException($"{what} {path}: cannot read it: {e.Message}", e);
        }

        var trimmed = text.Trim();
        if (trimmed.Length == 0)
        {
            throw new ArgumentException($"{what} {path}: the file is empty; an empty password is not allowed");
        }

        return Encoding.UTF8.GetBytes(trimmed);
    }
}
