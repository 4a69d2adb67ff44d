using System.Text.Json;
using Backup.Core.Model;

namespace Backup.Core.Repository.Locking;

/// <summary>The content of a file in locks/: who holds the lock, since when, and whether exclusively.</summary>
public sealed record LockFile(GoTime Time, bool Exclusive, string Hostname, string Username, int Pid, uint Uid, uint Gid)
{
    public static readonly TimeSpan StaleAfter = TimeSpan.FromMinutes(30);

    public byte[] ToJson()
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            writer.WriteString("time", Time.ToString());
            writer.WriteBoolean("exclusive", Exclusive);
            writer.WriteString("hostname", Hostname);
            writer.WriteString("username", Username);
            writer.WriteNumber("pid", Pid);
            if (Uid != 0) writer.WriteNumber("uid", Uid);
            if (Gid != 0) writer.WriteNumber("gid", Gid);
            writer.WriteEndObject();
        }

        return stream.ToArray();
    }

    public static LockFile? TryParse(ReadOnlySpan<byte> json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json.ToArray());
            GoTime time = GoTime.Zero;
            bool exclusive = false;
            string hostname = "", username = "";
            int pid = 0;
            uint uid = 0, gid = 0;
            foreach (var p in doc.RootElement.EnumerateObject())
            {
                switch (p.Name.ToLowerInvariant())
                {
                    case "time": time = GoTime.Parse(p.Value.GetString() ?? ""); break;
                    case "exclusive": exclusive = p.Value.GetBoolean(); break;
                    case "hostname": hostname = p.Value.GetString() ?? ""; break;
                    case "username": username = p.Value.GetString() ?? ""; break;
                    case "pid": pid = p.Value.GetInt32(); break;
                    case "uid": uid = p.Value.GetUInt32(); break;
                    case "gid": gid = p.Value.GetUInt32(); break;
                }
            }

            return new LockFile(time, exclusive, hostname, username, pid, uid, gid);
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>restic's rule: older than 30 minutes, or on this host and its process is gone.</summary>
    public bool IsStale(DateTimeOffset now)
    {
        if (now - Time.ToDateTimeOffset() > StaleAfter)
        {
            return true;
        }

        return Hostname == Environment.MachineName && Pid > 0 && !ProcessExists(Pid);
    }

    public string Describe(DateTimeOffset now) =>
        $"{(Exclusive ? "exclusive" : "shared")} lock held by PID {Pid} on host {Hostname} (user {Username}) since {Time.ToDateTimeOffset():yyyy-MM-dd HH:mm:ss zzz}{(IsStale(now) ? ", which looks stale" : "")}";

    private static bool ProcessExists(int pid)
    {
        if (Interop.Libc.Kill(pid, 0) == 0)
        {
            return true;
        }

        // EPERM: the process exists but belongs to someone else.
        return System.Runtime.InteropServices.Marshal.GetLastPInvokeError() == 1;
    }
}
