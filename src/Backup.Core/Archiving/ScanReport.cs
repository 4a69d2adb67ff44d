namespace Backup.Core.Archiving;

/// <summary>How a backup looked at the filesystem.</summary>
/// <param name="Kind">"journal" when only the directories the change journal named were looked at, "full" otherwise.</param>
/// <param name="Reason">Why the scan was full; null for a journal scan.</param>
/// <param name="DirectoriesVisited">
/// Directories whose entries were listed in this run. When hard links make a journal scan repeat its pass with
/// more directories, those listed again count again.
/// </param>
public sealed record ScanReport(string Kind, string? Reason, long DirectoriesVisited)
{
    public const string Journal = "journal";

    public const string Full = "full";
}
