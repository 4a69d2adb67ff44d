using System.Buffers;
using System.Globalization;
using System.Text;
using Backup.Linux.FileSystem;

namespace Backup.Linux.Systemd;

/// <summary>
/// Structured entries for the systemd journal through sd_journal_sendv(3): every field ends up queryable
/// (<c>journalctl JOB=nightly</c>) instead of being flattened into the message text.
/// </summary>
public static class Journal
{
    /// <summary>Where journald receives native-protocol datagrams; sd_journal_sendv always sends here.</summary>
    public const string SocketPath = "/run/systemd/journal/socket";

    /// <summary>journald ignores fields with longer names.</summary>
    public const int MaxFieldNameLength = 64;

    /// <summary>Whether journald listens on this host (its socket exists). Without it entries are silently lost.</summary>
    public static bool IsAvailable => new FileInfo(SocketPath).Exists;

    /// <summary>
    /// Whether this process's stderr is a journal stream: systemd sets JOURNAL_STREAM=DEVICE:INODE for
    /// services whose output goes to the journal, and it only counts if stderr still is that very file
    /// (a redirected stderr keeps the inherited variable). Such a process should log natively instead.
    /// </summary>
    public static bool IsStderrConnected => StreamMatches(Environment.GetEnvironmentVariable("JOURNAL_STREAM"), StandardErrorDescriptor);

    /// <summary>
    /// Whether logs should go to the journal natively: journald is there, and this process was started
    /// by systemd (its stderr is a journal stream, or the manager gave it an INVOCATION_ID).
    /// </summary>
    public static bool IsPreferred =>
        IsAvailable && (IsStderrConnected || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("INVOCATION_ID")));

    private const int StandardErrorDescriptor = 2;

    /// <summary>
    /// Sends one entry. Values are UTF-8 and may hold any text, line breaks included. Field names must
    /// be valid journal field names (see <see cref="IsValidFieldName"/>). journald adds the trusted
    /// fields (_PID, _SYSTEMD_UNIT …) itself, and libsystemd adds SYSLOG_IDENTIFIER=&lt;program name&gt;
    /// when the entry has none, so give one unless the executable's name is right.
    /// </summary>
    /// <returns>True when sent; false when journald is not running here.</returns>
    /// <exception cref="ArgumentException">No fields, or a field name the journal would reject.</exception>
    /// <exception cref="SystemdException">The journal refused the entry.</exception>
    public static unsafe bool Send(IReadOnlyList<KeyValuePair<string, string>> fields)
    {
        ArgumentNullException.ThrowIfNull(fields);
        if (fields.Count == 0)
        {
            throw new ArgumentException("a journal entry needs at least one field", nameof(fields));
        }

        var total = 0;
        foreach (var (name, value) in fields)
        {
            ValidateFieldName(name);
            ArgumentNullException.ThrowIfNull(value, $"{nameof(fields)}[{name}]");
            total += name.Length + 1 + Encoding.UTF8.GetByteCount(value);
        }

        if (!IsAvailable)
        {
            return false;
        }

        var buffer = ArrayPool<byte>.Shared.Rent(total);
        var vectors = ArrayPool<Interop.Iovec>.Shared.Rent(fields.Count);
        try
        {
            int result;
            fixed (byte* start = buffer)
            fixed (Interop.Iovec* iov = vectors)
            {
                var offset = 0;
                for (var i = 0; i < fields.Count; i++)
                {
                    var (name, value) = fields[i];
                    var length = Encoding.ASCII.GetBytes(name, buffer.AsSpan(offset));
                    buffer[offset + length++] = (byte)'=';
                    length += Encoding.UTF8.GetBytes(value, buffer.AsSpan(offset + length));
                    iov[i].Base = start + offset;
                    iov[i].Length = (nuint)length;
                    offset += length;
                }

                result = Interop.SdJournalSendv(iov, fields.Count);
            }

            if (result < 0)
            {
                throw SystemdException.FromResult("sd_journal_sendv", result, $"could not send an entry of {fields.Count} fields to {SocketPath}");
            }

            return true;
        }
        finally
        {
            ArrayPool<Interop.Iovec>.Shared.Return(vectors);
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// A journal field name: 1–64 of A–Z, 0–9 and '_', not starting with a digit, and not starting with
    /// '_' (those are trusted fields only journald itself may set).
    /// </summary>
    public static bool IsValidFieldName(string? name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > MaxFieldNameLength || name[0] == '_' || char.IsAsciiDigit(name[0]))
        {
            return false;
        }

        foreach (var c in name)
        {
            if (!char.IsAsciiLetterUpper(c) && !char.IsAsciiDigit(c) && c != '_')
            {
                return false;
            }
        }

        return true;
    }

    private static void ValidateFieldName(string name)
    {
        if (!IsValidFieldName(name))
        {
            throw new ArgumentException(
                $"'{name}' is not a journal field name: use 1-{MaxFieldNameLength} characters of A-Z, 0-9 and '_', not starting with a digit or '_'",
                "fields");
        }
    }

    /// <summary>Whether JOURNAL_STREAM's "device:inode" is the file open as the descriptor.</summary>
    internal static unsafe bool StreamMatches(string? journalStream, int fd)
    {
        if (string.IsNullOrEmpty(journalStream))
        {
            return false;
        }

        var colon = journalStream.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0
            || !ulong.TryParse(journalStream.AsSpan(0, colon), NumberStyles.None, CultureInfo.InvariantCulture, out var device)
            || !ulong.TryParse(journalStream.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var inode))
        {
            return false;
        }

        Interop.StatxBuffer status;
        fixed (byte* empty = "\0"u8)
        {
            if (Interop.Statx(fd, empty, Interop.At.EMPTY_PATH, Interop.STATX_BASIC_STATS, &status) != 0)
            {
                // A closed stderr is not the journal.
                return false;
            }
        }

        return DeviceNumber.Make(status.DevMajor, status.DevMinor) == device && status.Inode == inode;
    }
}
