using System.Globalization;
using Backup.Core.FileSystem;
using Backup.Linux.FileSystem;

namespace Backup.Linux.Fanotify;

/// <summary>
/// Files being written right now without fanotify hearing of it yet: writes through a shared mapping and
/// Linux AIO produce only a CLOSE_WRITE when the file is finally closed, so at backup time the journal adds
/// the files that are open for writing or mapped shared-writable, found in /proc.
/// </summary>
public static class OpenWriters
{
    private const int AccessModeMask = 3;
    private const int ReadOnly = 0;

    /// <summary>
    /// Absolute paths of regular files that some other process has open for writing (O_WRONLY or O_RDWR in
    /// /proc/PID/fdinfo) or mapped shared-writable ("rw-s" in /proc/PID/maps), for which
    /// <paramref name="interesting"/> is true. Each path once. Processes that exit meanwhile and entries this
    /// process may not read are skipped, as are unlinked files. Paths are as this process's root sees them.
    /// </summary>
    public static IReadOnlyList<string> Find(Func<string, bool> interesting)
    {
        ArgumentNullException.ThrowIfNull(interesting);
        var self = Environment.ProcessId;
        var processes = Processes().Where(p => p != self).ToArray();

        // Most of the time goes to the kernel formatting /proc files, so processes are read on every core; each
        // task collects into a set of its own, added to the result when the task ends.
        var found = new HashSet<string>(StringComparer.Ordinal);
        Parallel.ForEach(
            processes,
            new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount },
            () => new HashSet<string>(StringComparer.Ordinal),
            (process, _, local) =>
            {
                FromDescriptors(process, interesting, local);
                FromMappings(process, interesting, local);
                return local;
            },
            local =>
            {
                lock (found)
                {
                    found.UnionWith(local);
                }
            });
        return [.. found.Order(StringComparer.Ordinal)];
    }

    private static IEnumerable<int> Processes()
    {
        foreach (var entry in new DirectoryInfo("/proc").EnumerateDirectories())
        {
            if (int.TryParse(entry.Name, NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                yield return pid;
            }
        }
    }

    private static void FromDescriptors(int process, Func<string, bool> interesting, HashSet<string> found)
    {
        string[] descriptors;
        try
        {
            descriptors = Directory.GetFileSystemEntries($"/proc/{process}/fd");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return;
        }

        foreach (var link in descriptors)
        {
            var target = SymbolicLink.ReadBytes(link, out _);
            if (target is null || target.Length == 0 || target[0] != '/' || target.AsSpan().EndsWith(SymbolicLink.DeletedSuffix))
            {
                continue;
            }

            var path = PathEncoding.Decode(target);
            if (found.Contains(path) || !interesting(path))
            {
                continue;
            }

            var descriptor = link[(link.LastIndexOf('/') + 1)..];
            if (OpenForWriting($"/proc/{process}/fdinfo/{descriptor}") && IsRegularFile(link))
            {
                found.Add(path);
            }
        }
    }

    /// <summary>The "flags:" line of fdinfo holds the open flags in octal; the low two bits are the access mode.</summary>
    private static bool OpenForWriting(string fdinfo)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(fdinfo);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }

        foreach (var line in lines)
        {
            if (line.StartsWith("flags:", StringComparison.Ordinal))
            {
                try
                {
                    var flags = Convert.ToInt32(line["flags:".Length..].Trim(), 8);
                    return (flags & AccessModeMask) != ReadOnly;
                }
                catch (FormatException)
                {
                    return false;
                }
            }
        }

        return false;
    }

    /// <summary>Lines of /proc/PID/maps: address perms offset dev inode path; perms "rw-s" is a shared writable mapping.</summary>
    private static void FromMappings(int process, Func<string, bool> interesting, HashSet<string> found)
    {
        byte[] maps;
        try
        {
            maps = File.ReadAllBytes($"/proc/{process}/maps");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return;
        }

        foreach (var range in maps.AsSpan().Split((byte)'\n'))
        {
            var line = maps.AsSpan()[range];
            var rest = line;
            ReadOnlySpan<byte> permissions = default;
            for (var field = 0; field < 5; field++)
            {
                var space = rest.IndexOf((byte)' ');
                if (space < 0)
                {
                    rest = default;
                    break;
                }

                if (field == 1)
                {
                    permissions = rest[..space];
                }

                rest = rest[(space + 1)..].TrimStart((byte)' ');
            }

            if (permissions.Length < 4 || permissions[1] != 'w' || permissions[3] != 's' || rest.IsEmpty || rest[0] != '/'
                || rest.EndsWith(SymbolicLink.DeletedSuffix))
            {
                continue;
            }

            // maps escapes only the newline (as \012) in paths.
            var path = PathEncoding.Decode(rest.IndexOf("\\012"u8) < 0 ? rest : Unescaped(rest));
            if (!found.Contains(path) && interesting(path) && IsRegularFile(path))
            {
                found.Add(path);
            }
        }
    }

    private static byte[] Unescaped(ReadOnlySpan<byte> path)
    {
        var bytes = new List<byte>(path.Length);
        while (!path.IsEmpty)
        {
            if (path.StartsWith("\\012"u8))
            {
                bytes.Add((byte)'\n');
                path = path[4..];
            }
            else
            {
                bytes.Add(path[0]);
                path = path[1..];
            }
        }

        return [.. bytes];
    }

    /// <summary>Skips devices (a GPU's mapped registers, /dev/null open for writing) and anything that vanished.</summary>
    private static unsafe bool IsRegularFile(string path)
    {
        Span<byte> scratch = stackalloc byte[NativePath.StackSize];
        using var native = new NativePath(path, scratch, "statx");
        Interop.StatxBuffer status;
        fixed (byte* p = native)
        {
            return Interop.Statx(Interop.At.FDCWD, p, 0, Interop.STATX_BASIC_STATS, &status) == 0
                && (status.Mode & Interop.S_IFMT) == Interop.S_IFREG;
        }
    }
}
