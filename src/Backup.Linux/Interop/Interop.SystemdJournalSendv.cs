using System.Runtime.InteropServices;

namespace Backup.Linux;

internal static partial class Interop
{
    /// <summary>
    /// sd_journal_sendv(3): one entry from "FIELD=value" iovecs, sent to /run/systemd/journal/socket.
    /// Values holding a newline go out in the protocol's length-prefixed form, so they may be any bytes.
    /// </summary>
    [LibraryImport(LibSystemd, EntryPoint = "sd_journal_sendv")]
    internal static unsafe partial int SdJournalSendv(Iovec* iov, int count);

    /// <summary>struct iovec (sys/uio.h).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal unsafe struct Iovec
    {
        internal byte* Base;
        internal nuint Length;
    }
}
