using Backup.Linux.FileSystem;

namespace Backup.Linux.Systemd;

/// <summary>A libsystemd call failed; names the call and what it was about, with the errno it returned.</summary>
public sealed class SystemdException : IOException
{
    public SystemdException(string message)
        : base(message)
    {
        Call = string.Empty;
    }

    public SystemdException(string message, Exception innerException)
        : base(message, innerException)
    {
        Call = string.Empty;
    }

    public SystemdException()
        : this("a libsystemd call failed")
    {
    }

    private SystemdException(string call, int errno, string message)
        : base(message)
    {
        Call = call;
        Errno = errno;
    }

    /// <summary>The libsystemd function that failed (sd_notify, sd_journal_sendv …), or empty.</summary>
    public string Call { get; }

    /// <summary>The errno the call returned (as a positive number), or 0.</summary>
    public int Errno { get; }

    /// <summary>The exception for an sd_* call that returned <paramref name="result"/> (a negative errno).</summary>
    internal static SystemdException FromResult(string call, int result, string about)
    {
        var errno = -result;
        return new SystemdException(call, errno, $"{call} {about}: {FileSystemErrors.Describe(errno)}");
    }
}
