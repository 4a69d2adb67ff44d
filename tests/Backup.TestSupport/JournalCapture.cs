using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;
using Backup.Linux.Systemd;

using Xunit;

namespace Backup.TestSupport;

/// <summary>
/// Stands in for journald on a host that has none: sd_journal_sendv always sends to
/// /run/systemd/journal/socket, so the capture binds a datagram socket at exactly that path and
/// parses the native protocol. It creates the directories it needs and removes them again, and a lock
/// file keeps test processes of several projects from taking the path at once.
/// </summary>
public sealed class JournalCapture : IDisposable
{
    private readonly JournalSocketLock socketLock;
    private readonly Socket socket = new(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);

    public JournalCapture()
    {
        socketLock = JournalSocketLock.Acquire();
        try
        {
            socket.Bind(new UnixDomainSocketEndPoint(Journal.SocketPath));
            socket.ReceiveTimeout = 10_000;
        }
        catch
        {
            socket.Dispose();
            socketLock.Dispose();
            throw;
        }
    }

    /// <summary>The next entry; fails the test when none arrives within 10 seconds.</summary>
    public JournalDatagram Receive()
    {
        var buffer = new byte[256 * 1024];
        var length = socket.Receive(buffer);
        return JournalDatagram.Parse(buffer.AsSpan(0, length).ToArray());
    }

    /// <summary>Whether another datagram is waiting.</summary>
    public bool HasPending => socket.Available > 0 || socket.Poll(100_000, SelectMode.SelectRead);

    public void Dispose()
    {
        socket.Dispose();
        File.Delete(Journal.SocketPath);
        socketLock.Dispose();
    }
}

/// <summary>
/// Exclusive use of /run/systemd/journal/socket for a test: waits for other test processes, removes a
/// socket left behind by a killed test run, and refuses to touch one a live journald listens on.
/// Directories it had to create are removed on dispose, so the path is as absent as before.
/// </summary>
public sealed class JournalSocketLock : IDisposable
{
    private const string LockPath = "/run/lock/backup-tests-journal-socket.lock";
    private static readonly string JournalDirectory = Path.GetDirectoryName(Journal.SocketPath)!;
    private static readonly string SystemdDirectory = Path.GetDirectoryName(JournalDirectory)!;

    private readonly FileStream lockFile;
    private readonly List<string> created = [];

    private JournalSocketLock(FileStream lockFile)
    {
        this.lockFile = lockFile;
    }

    /// <summary>Why the journal tests cannot run here, or null.</summary>
    public static string? SkipReason()
    {
        if (Environment.UserName != "root" && !Tools.InCi)
        {
            return $"needs root to create {Journal.SocketPath}: run the tests as root";
        }

        // A live listener counts as journald unless one of our own test processes holds the lock.
        if (IsListening(Journal.SocketPath) && TryLock() is { } free)
        {
            free.Dispose();
            return $"a journald listens on {Journal.SocketPath}; these tests stand in for it and only run where none does";
        }

        return null;
    }

    /// <summary>Takes the path: no socket is there when this returns.</summary>
    public static JournalSocketLock Acquire()
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        FileStream? file;
        while ((file = TryLock()) is null)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{LockPath} stayed locked for 2 minutes");
            }

            Thread.Sleep(50);
        }

        var taken = new JournalSocketLock(file);
        try
        {
            taken.Prepare();
            return taken;
        }
        catch
        {
            taken.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        File.Delete(Journal.SocketPath);
        foreach (var directory in Enumerable.Reverse(created))
        {
            if (!Directory.EnumerateFileSystemEntries(directory).Any())
            {
                Directory.Delete(directory);
            }
        }

        lockFile.Dispose();
    }

    private void Prepare()
    {
        if (new FileInfo(Journal.SocketPath).Exists)
        {
            if (IsListening(Journal.SocketPath))
            {
                throw new InvalidOperationException($"a journald listens on {Journal.SocketPath}; refusing to replace it");
            }

            File.Delete(Journal.SocketPath);
        }

        foreach (var directory in new[] { SystemdDirectory, JournalDirectory })
        {
            if (!Directory.Exists(directory))
            {
                Directory.CreateDirectory(directory);
                created.Add(directory);
            }
        }
    }

    /// <summary>Whether some process is bound to the datagram socket (connect succeeds) rather than it being a stale file.</summary>
    private static bool IsListening(string path)
    {
        if (!new FileInfo(path).Exists)
        {
            return false;
        }

        using var probe = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        try
        {
            probe.Connect(new UnixDomainSocketEndPoint(path));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>.NET takes FileShare.None as an exclusive flock(2), which is what serialises test processes.</summary>
    private static FileStream? TryLock()
    {
        try
        {
            return new FileStream(LockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            return null;
        }
    }
}

/// <summary>
/// One native-protocol datagram: "NAME=value\n" for plain values, "NAME\n" + 64-bit little-endian
/// length + bytes + "\n" for values that contain a newline.
/// </summary>
public sealed class JournalDatagram
{
    private JournalDatagram(byte[] raw, IReadOnlyList<JournalField> fields)
    {
        Raw = raw;
        Fields = fields;
    }

    public byte[] Raw { get; }

    public IReadOnlyList<JournalField> Fields { get; }

    /// <summary>The only value of a field, as UTF-8 text; fails when the field is missing or repeated.</summary>
    public string this[string name]
    {
        get
        {
            var matches = Fields.Where(f => f.Name == name).ToList();
            Assert.True(matches.Count == 1, $"expected one {name}= field, found {matches.Count} in: {string.Join(", ", Fields.Select(f => f.Name))}");
            return matches[0].Text;
        }
    }

    public bool Has(string name) => Fields.Any(f => f.Name == name);

    public static JournalDatagram Parse(byte[] raw)
    {
        var fields = new List<JournalField>();
        var position = 0;
        while (position < raw.Length)
        {
            var newline = Array.IndexOf(raw, (byte)'\n', position);
            Assert.True(newline >= 0, $"field at offset {position} does not end in a newline");
            var equals = Array.IndexOf(raw, (byte)'=', position, newline - position);
            if (equals >= 0)
            {
                fields.Add(new JournalField(Ascii(raw, position, equals), raw[(equals + 1)..newline], Binary: false));
                position = newline + 1;
                continue;
            }

            var name = Ascii(raw, position, newline);
            var length = checked((int)BinaryPrimitives.ReadUInt64LittleEndian(raw.AsSpan(newline + 1, 8)));
            var start = newline + 9;
            Assert.True(raw[start + length] == (byte)'\n', $"binary field {name} does not end in a newline");
            fields.Add(new JournalField(name, raw[start..(start + length)], Binary: true));
            position = start + length + 1;
        }

        return new JournalDatagram(raw, fields);
    }

    private static string Ascii(byte[] raw, int start, int end) => Encoding.ASCII.GetString(raw, start, end - start);
}

public sealed record JournalField(string Name, byte[] Value, bool Binary)
{
    public string Text => Encoding.UTF8.GetString(Value);
}

/// <summary>A fact that takes over /run/systemd/journal/socket; see <see cref="JournalSocketLock.SkipReason"/>.</summary>
public sealed class JournalSocketFactAttribute : FactAttribute
{
    public JournalSocketFactAttribute()
    {
        Skip = JournalSocketLock.SkipReason();
    }
}

/// <summary>The theory form of <see cref="JournalSocketFactAttribute"/>.</summary>
public sealed class JournalSocketTheoryAttribute : TheoryAttribute
{
    public JournalSocketTheoryAttribute()
    {
        Skip = JournalSocketLock.SkipReason();
    }
}
