using System.Globalization;
using Backup.Core.FileSystem;
using Backup.Linux.FileSystem;

namespace Backup.Linux.Fanotify;

/// <summary>
/// One line of /proc/PID/mountinfo (proc(5)). <see cref="Root"/> is the directory of the filesystem that is
/// mounted (not "/" for bind mounts and btrfs subvol= mounts); <see cref="Device"/> is in the st_dev encoding.
/// Paths are decoded with PathEncoding.
/// </summary>
public sealed record MountEntry(int MountId, int ParentId, ulong Device, string Root, string MountPoint, string FsType, string Source, string SuperOptions);

/// <summary>Reads the mount table and finds the mount a path is on.</summary>
public static class MountTable
{
    /// <summary>Parses a mountinfo file; the optional fields before the " - " separator are skipped.</summary>
    /// <exception cref="FormatException">A line does not have the mountinfo layout.</exception>
    public static IReadOnlyList<MountEntry> Read(string path = "/proc/self/mountinfo") => Parse(File.ReadAllBytes(path), path);

    internal static List<MountEntry> Parse(ReadOnlySpan<byte> content, string source)
    {
        var mounts = new List<MountEntry>();
        var number = 0;
        while (!content.IsEmpty)
        {
            number++;
            var end = content.IndexOf((byte)'\n');
            var line = end < 0 ? content : content[..end];
            content = end < 0 ? default : content[(end + 1)..];
            if (!line.IsEmpty)
            {
                mounts.Add(ParseLine(line, source, number));
            }
        }

        return mounts;
    }

    /// <summary>
    /// The mount whose mount point is the longest whole-component prefix of the path; of several mounts
    /// on the same point, the one listed last (it hides the others).
    /// </summary>
    public static MountEntry Containing(IReadOnlyList<MountEntry> mounts, string absolutePath)
    {
        ArgumentNullException.ThrowIfNull(mounts);
        if (string.IsNullOrEmpty(absolutePath) || absolutePath[0] != '/')
        {
            throw new ArgumentException($"an absolute path is needed: \"{absolutePath}\"", nameof(absolutePath));
        }

        var path = absolutePath.Length > 1 ? absolutePath.TrimEnd('/') : absolutePath;
        if (path.Length == 0)
        {
            path = "/";
        }

        MountEntry? best = null;
        foreach (var mount in mounts)
        {
            if (HandleResolver.IsUnder(path, mount.MountPoint) && (best is null || mount.MountPoint.Length >= best.MountPoint.Length))
            {
                best = mount;
            }
        }

        return best ?? throw new InvalidOperationException($"no mount in the table contains \"{absolutePath}\" (is \"/\" missing from it?)");
    }

    private static MountEntry ParseLine(ReadOnlySpan<byte> line, string source, int number)
    {
        var fields = new List<string>(12);
        foreach (var range in line.Split((byte)' '))
        {
            fields.Add(Unescape(line[range]));
        }

        var separator = fields.IndexOf("-");
        if (separator < 6 || fields.Count < separator + 3)
        {
            throw Malformed(source, number, "no \" - \" separator after the six leading fields, or fewer than two fields after it");
        }

        var device = fields[2].Split(':');
        if (!int.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out var id)
            || !int.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out var parent)
            || device.Length != 2
            || !uint.TryParse(device[0], NumberStyles.None, CultureInfo.InvariantCulture, out var major)
            || !uint.TryParse(device[1], NumberStyles.None, CultureInfo.InvariantCulture, out var minor))
        {
            throw Malformed(source, number, $"mount id \"{fields[0]}\", parent id \"{fields[1]}\" or major:minor \"{fields[2]}\" is not numeric");
        }

        return new MountEntry(
            id,
            parent,
            DeviceNumber.Make(major, minor),
            fields[3],
            fields[4],
            fields[separator + 1],
            fields[separator + 2],
            fields.Count > separator + 3 ? fields[separator + 3] : string.Empty);
    }

    /// <summary>The kernel writes space, tab, newline and backslash as \040, \011, \012 and \134.</summary>
    internal static string Unescape(ReadOnlySpan<byte> field)
    {
        if (field.IndexOf((byte)'\\') < 0)
        {
            return PathEncoding.Decode(field);
        }

        var bytes = new List<byte>(field.Length);
        for (var i = 0; i < field.Length; i++)
        {
            if (field[i] == '\\' && i + 3 < field.Length && IsOctal(field[i + 1]) && IsOctal(field[i + 2]) && IsOctal(field[i + 3]))
            {
                bytes.Add((byte)(((field[i + 1] - '0') << 6) | ((field[i + 2] - '0') << 3) | (field[i + 3] - '0')));
                i += 3;
            }
            else
            {
                bytes.Add(field[i]);
            }
        }

        return PathEncoding.Decode(bytes.ToArray());
    }

    private static bool IsOctal(byte value) => value is >= (byte)'0' and <= (byte)'7';

    private static FormatException Malformed(string source, int number, string problem) =>
        new($"{source}, line {number}: {problem}");
}
