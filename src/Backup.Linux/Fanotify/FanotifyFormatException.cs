namespace Backup.Linux.Fanotify;

/// <summary>A buffer read from a fanotify group does not have the layout this parser understands.</summary>
public sealed class FanotifyFormatException : Exception
{
    public FanotifyFormatException()
    {
    }

    public FanotifyFormatException(string message)
        : base(message)
    {
    }

    public FanotifyFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public FanotifyFormatException(int offset, string problem)
        : base($"fanotify event buffer, offset {offset}: {problem}")
    {
        Offset = offset;
    }

    /// <summary>Where in the buffer the problem is.</summary>
    public int Offset { get; }
}
