using System.Runtime.InteropServices;

namespace Backup.Linux.Systemd;

/// <summary>
/// The sockets the service manager passed to this process (sd_listen_fds_with_names(3)): LISTEN_FDS,
/// LISTEN_PID and LISTEN_FDNAMES, descriptors from 3 on.
/// </summary>
public static class SocketActivation
{
    private static readonly string[] Variables = ["LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES"];

    /// <summary>
    /// Takes the passed sockets: the caller owns them from now on. The LISTEN_* variables are removed so
    /// that child processes (snapshot tools, hooks) do not believe the sockets are theirs, and the
    /// descriptors are close-on-exec. A second call returns an empty list. Empty too when the variables
    /// are missing or LISTEN_PID names another process.
    /// </summary>
    /// <exception cref="SystemdException">The variables are malformed.</exception>
    public static unsafe IReadOnlyList<ActivatedSocket> Take()
    {
        byte** names = null;
        var count = Interop.SdListenFdsWithNames(1, &names);

        // libsystemd unset the variables in the C environment; .NET keeps its own copy, which is what
        // Process.Start hands to children, so that copy must go too.
        foreach (var variable in Variables)
        {
            Environment.SetEnvironmentVariable(variable, null);
        }

        try
        {
            if (count < 0)
            {
                throw SystemdException.FromResult("sd_listen_fds_with_names", count, "could not read LISTEN_FDS/LISTEN_PID/LISTEN_FDNAMES");
            }

            var sockets = new ActivatedSocket[count];
            for (var i = 0; i < count; i++)
            {
                var name = names is null ? null : Marshal.PtrToStringUTF8((nint)names[i]);
                sockets[i] = new ActivatedSocket(Interop.SD_LISTEN_FDS_START + i, name ?? "unknown");
            }

            return sockets;
        }
        finally
        {
            if (names is not null)
            {
                for (var p = names; *p is not null; p++)
                {
                    Interop.SystemdFree(*p);
                }

                Interop.SystemdFree(names);
            }
        }
    }
}
