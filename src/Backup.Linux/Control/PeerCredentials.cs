using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Backup.Linux.Control;

/// <summary>Who is on the other end of a unix socket, as the kernel vouches for it (SO_PEERCRED).</summary>
public sealed record PeerCredentials(int Pid, uint Uid, uint Gid)
{
    public static unsafe PeerCredentials Of(Socket socket)
    {
        Interop.UCred cred;
        var length = (uint)sizeof(Interop.UCred);
        if (Interop.GetSockOpt(socket.Handle, Interop.SOL_SOCKET, Interop.SO_PEERCRED, &cred, ref length) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new IOException($"getsockopt SO_PEERCRED: {Marshal.GetPInvokeErrorMessage(errno)}");
        }

        return new PeerCredentials(cred.Pid, cred.Uid, cred.Gid);
    }

    /// <summary>
    /// Whether the peer is root or in <paramref name="groupId"/> (primary or supplementary). The
    /// supplementary groups come from /proc/PID/status of the connecting process.
    /// </summary>
    public bool IsRootOrInGroup(uint? groupId)
    {
        if (Uid == 0)
        {
            return true;
        }

        if (groupId is not { } wanted)
        {
            return false;
        }

        if (Gid == wanted)
        {
            return true;
        }

        try
        {
            foreach (var line in File.ReadLines($"/proc/{Pid}/status"))
            {
                if (line.StartsWith("Groups:", StringComparison.Ordinal))
                {
                    return line[7..].Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries).Any(g => uint.TryParse(g, out var id) && id == wanted);
                }
            }
        }
        catch (IOException)
        {
            // The client is gone; it gets no rights.
        }

        return false;
    }
}
