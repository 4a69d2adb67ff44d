namespace Backup.Linux.Fanotify;

/// <summary>errno values the fanotify calls report beyond those in Interop.Errors (asm-generic/errno*.h).</summary>
internal static class ErrnoValues
{
    internal const int EAGAIN = 11;
    internal const int ENOMEM = 12;
    internal const int EXDEV = 18;
    internal const int EMFILE = 24;
    internal const int ENOSYS = 38;
    internal const int EOVERFLOW = 75;
    internal const int ESTALE = 116;
}
