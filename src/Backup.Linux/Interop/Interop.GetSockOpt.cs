using System.Runtime.InteropServices;

namespace Backup.Linux;

internal static unsafe partial class Interop
{
    public const int SOL_SOCKET = 1;
    public const int SO_PEERCRED = 17;

    [StructLayout(LayoutKind.Sequential)]
    public struct UCred
    {
        public int Pid;
        public uint Uid;
        public uint Gid;
    }

    /// <summary>getsockopt(2); with SO_PEERCRED, socket(7): the credentials of the peer of a unix socket.</summary>
    [LibraryImport("libc", EntryPoint = "getsockopt", SetLastError = true)]
    public static partial int GetSockOpt(nint socket, int level, int optionName, void* optionValue, ref uint optionLength);
}
