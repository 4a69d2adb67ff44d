namespace Backup.Cli;

/// <summary>Exit codes, the same as restic's where the concept is the same.</summary>
public static class ExitCodes
{
    public const int Success = 0;
    public const int Failure = 1;
    public const int UsageError = 2;

    /// <summary>The snapshot was written, but some source files could not be read.</summary>
    public const int PartialBackup = 3;
    public const int NoRepository = 10;
    public const int Locked = 11;
    public const int WrongPassword = 12;
    public const int Interrupted = 130;
}
