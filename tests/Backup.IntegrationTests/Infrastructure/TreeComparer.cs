using System.Globalization;
using System.Text;
using Backup.Core.FileSystem;
using Backup.Linux.FileSystem;

namespace Backup.IntegrationTests.Infrastructure;

/// <summary>What <see cref="TreeComparer"/> looks at beyond names, kinds, modes, owners, mtimes, sizes, contents, targets, devices and xattrs.</summary>
/// <remarks>Access and change times are never compared: reading a tree moves the one, restoring it the other.</remarks>
public sealed record CompareOptions
{
    public static CompareOptions Default { get; } = new();

    /// <summary>Compare the mtime of symlinks themselves (not every restorer can set it).</summary>
    public bool SymlinkTimes { get; init; } = true;

    /// <summary>Compare the mode, owner, mtime and xattrs of the two roots themselves, not only what is inside.</summary>
    public bool RootMetadata { get; init; } = true;

    /// <summary>Files that are sparse in the expected tree must not take much more space in the actual one.</summary>
    public bool Sparseness { get; init; }

    /// <summary>How many bytes a sparse file may allocate beyond the expected file before it counts as filled in.</summary>
    public long SparseSlackBytes { get; init; } = 1024 * 1024;

    /// <summary>Names hard-linked together in one tree must be hard-linked together in the other.</summary>
    public bool HardLinks { get; init; } = true;

    /// <summary>Whether sockets must be there too. restic (and so we) skips sockets: they are runtime objects, not data.</summary>
    public bool Sockets { get; init; } = true;
}

/// <summary>One way in which the actual tree differs from the expected one.</summary>
/// <param name="Path">Relative to the compared roots, "." for the roots themselves, in <see cref="PathEncoding"/> form.</param>
public sealed record TreeDifference(string Path, string What)
{
    public override string ToString() => $"{Printable(Path)}: {What}";

    /// <summary>The path with control characters and bytes that are not UTF-8 written as escapes.</summary>
    public static string Printable(string path)
    {
        var builder = new StringBuilder(path.Length);
        ReadOnlySpan<byte> bytes = PathEncoding.Encode(path);
        while (!bytes.IsEmpty)
        {
            if (Rune.DecodeFromUtf8(bytes, out var rune, out var consumed) != System.Buffers.OperationStatus.Done)
            {
                builder.Append(CultureInfo.InvariantCulture, $"\\x{bytes[0]:x2}");
                bytes = bytes[1..];
                continue;
            }

            builder.Append(rune.Value switch
            {
                '\n' => "\\n",
                '\t' => "\\t",
                '\r' => "\\r",
                '\\' => "\\\\",
                < 0x20 or 0x7f => string.Create(CultureInfo.InvariantCulture, $"\\x{rune.Value:x2}"),
                _ => rune.ToString(),
            });
            bytes = bytes[consumed..];
        }

        return builder.ToString();
    }
}

/// <summary>
/// Compares two directory trees entry by entry through <see cref="LinuxFileSystem"/> and lists every
/// difference a faithful restore must not have: the oracle of backup/restore round trips.
/// </summary>
public static class TreeComparer
{
    private const int ContentBlockSize = 1024 * 1024;

    public static IReadOnlyList<TreeDifference> Compare(string expectedRoot, string actualRoot, CompareOptions? options = null)
    {
        var comparison = new Comparison(expectedRoot, actualRoot, options ?? CompareOptions.Default);
        comparison.Run();
        return comparison.Differences;
    }

    private sealed class Comparison(string expectedRoot, string actualRoot, CompareOptions options)
    {
        private readonly LinuxFileSystem fs = new();

        // Non-directories by inode, for the hard-link structure of each tree.
        private readonly Dictionary<(ulong Device, ulong Inode), List<string>> expectedInodes = [];
        private readonly Dictionary<(ulong Device, ulong Inode), List<string>> actualInodes = [];
        private readonly Dictionary<string, (ulong, ulong)> expectedInodeOf = new(StringComparer.Ordinal);
        private readonly Dictionary<string, (ulong, ulong)> actualInodeOf = new(StringComparer.Ordinal);

        public List<TreeDifference> Differences { get; } = [];

        public void Run()
        {
            var expected = fs.LStat(expectedRoot);
            var actual = fs.LStat(actualRoot);
            if (expected.Kind != FileKind.Directory || actual.Kind != FileKind.Directory)
            {
                Report("", $"roots must be directories, expected is {expected.Kind}, actual is {actual.Kind}");
                return;
            }

            if (options.RootMetadata)
            {
                CompareMetadata("", expected, actual);
            }

            CompareDirectory("");
            if (options.HardLinks)
            {
                CompareHardLinks();
            }
        }

        private void CompareDirectory(string relative)
        {
            var expectedNames = fs.ReadDirectory(Full(expectedRoot, relative)).Order(StringComparer.Ordinal).ToList();
            var actualNames = new HashSet<string>(fs.ReadDirectory(Full(actualRoot, relative)), StringComparer.Ordinal);
            foreach (var name in expectedNames)
            {
                var child = relative.Length == 0 ? name : relative + "/" + name;
                if (!actualNames.Remove(name))
                {
                    if (!options.Sockets && fs.LStat(Full(expectedRoot, child)).Kind == FileKind.Socket)
                    {
                        continue;
                    }

                    Report(child, "missing");
                    continue;
                }

                CompareEntry(child);
            }

            foreach (var extra in actualNames.Order(StringComparer.Ordinal))
            {
                Report(relative.Length == 0 ? extra : relative + "/" + extra, "unexpected (not in the expected tree)");
            }
        }

        private void CompareEntry(string relative)
        {
            var expected = fs.LStat(Full(expectedRoot, relative));
            var actual = fs.LStat(Full(actualRoot, relative));
            if (expected.Kind != actual.Kind)
            {
                Report(relative, $"kind {actual.Kind}, expected {expected.Kind}");
                return;
            }

            CompareMetadata(relative, expected, actual);
            switch (expected.Kind)
            {
                case FileKind.Directory:
                    CompareDirectory(relative);
                    return;
                case FileKind.Regular:
                    CompareRegular(relative, expected, actual);
                    break;
                case FileKind.Symlink:
                    var expectedTarget = fs.ReadLink(Full(expectedRoot, relative));
                    var actualTarget = fs.ReadLink(Full(actualRoot, relative));
                    if (expectedTarget != actualTarget)
                    {
                        Report(relative, $"symlink target {Quote(actualTarget)}, expected {Quote(expectedTarget)}");
                    }

                    break;
                case FileKind.BlockDevice:
                case FileKind.CharDevice:
                    if (expected.RDev != actual.RDev)
                    {
                        Report(relative, $"device {DeviceNumber.Major(actual.RDev)}:{DeviceNumber.Minor(actual.RDev)}, expected {DeviceNumber.Major(expected.RDev)}:{DeviceNumber.Minor(expected.RDev)}");
                    }

                    break;
            }

            Remember(expectedInodes, expectedInodeOf, relative, expected);
            Remember(actualInodes, actualInodeOf, relative, actual);
        }

        private void CompareMetadata(string relative, FileStatus expected, FileStatus actual)
        {
            // Symlink permissions are always 0777 on Linux and cannot be set.
            if (expected.Kind != FileKind.Symlink && expected.Permissions != actual.Permissions)
            {
                Report(relative, $"permissions {Octal(actual.Permissions)}, expected {Octal(expected.Permissions)}");
            }

            if (expected.Uid != actual.Uid || expected.Gid != actual.Gid)
            {
                Report(relative, $"owner {actual.Uid}:{actual.Gid}, expected {expected.Uid}:{expected.Gid}");
            }

            if (expected.Mtime != actual.Mtime && (expected.Kind != FileKind.Symlink || options.SymlinkTimes))
            {
                Report(relative, $"mtime {Time(actual.Mtime)}, expected {Time(expected.Mtime)}");
            }

            CompareAttributes(relative);
        }

        private void CompareAttributes(string relative)
        {
            var expected = fs.ReadExtendedAttributes(Full(expectedRoot, relative)).ToDictionary(a => a.Name, a => a.Value, StringComparer.Ordinal);
            var actual = fs.ReadExtendedAttributes(Full(actualRoot, relative)).ToDictionary(a => a.Name, a => a.Value, StringComparer.Ordinal);
            foreach (var name in expected.Keys.Union(actual.Keys).Order(StringComparer.Ordinal))
            {
                var expectedValue = expected.GetValueOrDefault(name);
                var actualValue = actual.GetValueOrDefault(name);
                if (actualValue is null)
                {
                    Report(relative, $"xattr {name} missing");
                }
                else if (expectedValue is null)
                {
                    Report(relative, $"xattr {name} unexpected ({actualValue.Length} bytes)");
                }
                else if (!expectedValue.AsSpan().SequenceEqual(actualValue))
                {
                    Report(relative, $"xattr {name} is {Hex(actualValue)}, expected {Hex(expectedValue)}");
                }
            }
        }

        private void CompareRegular(string relative, FileStatus expected, FileStatus actual)
        {
            if (expected.Size != actual.Size)
            {
                Report(relative, $"size {actual.Size}, expected {expected.Size}");
                return;
            }

            var difference = FirstContentDifference(relative);
            if (difference is not null)
            {
                Report(relative, $"content differs at byte {difference}");
            }

            var expectedIsSparse = expected.AllocatedBytes < expected.Size - 4096;
            if (options.Sparseness && expectedIsSparse && actual.AllocatedBytes > expected.AllocatedBytes + options.SparseSlackBytes)
            {
                Report(relative, $"not sparse: {actual.AllocatedBytes} bytes allocated for {actual.Size}, expected {expected.AllocatedBytes}");
            }
        }

        private long? FirstContentDifference(string relative)
        {
            using var expected = fs.OpenRead(Full(expectedRoot, relative));
            using var actual = fs.OpenRead(Full(actualRoot, relative));
            var expectedBuffer = new byte[ContentBlockSize];
            var actualBuffer = new byte[ContentBlockSize];
            for (long offset = 0; ; offset += ContentBlockSize)
            {
                var expectedLength = ReadBlock(expected, expectedBuffer, offset);
                var actualLength = ReadBlock(actual, actualBuffer, offset);
                var common = Math.Min(expectedLength, actualLength);
                var mismatch = expectedBuffer.AsSpan(0, common).CommonPrefixLength(actualBuffer.AsSpan(0, common));
                if (mismatch < common || expectedLength != actualLength)
                {
                    return offset + mismatch;
                }

                if (expectedLength < ContentBlockSize)
                {
                    return null;
                }
            }
        }

        private static int ReadBlock(Microsoft.Win32.SafeHandles.SafeFileHandle handle, byte[] buffer, long offset)
        {
            var filled = 0;
            while (filled < buffer.Length)
            {
                var read = RandomAccess.Read(handle, buffer.AsSpan(filled), offset + filled);
                if (read == 0)
                {
                    break;
                }

                filled += read;
            }

            return filled;
        }

        private static void Remember(Dictionary<(ulong, ulong), List<string>> inodes, Dictionary<string, (ulong, ulong)> inodeOf, string relative, FileStatus status)
        {
            var key = (status.Device, status.Inode);
            if (!inodes.TryGetValue(key, out var names))
            {
                inodes[key] = names = [];
            }

            names.Add(relative);
            inodeOf[relative] = key;
        }

        /// <summary>For every name present in both trees, the other names sharing its inode must be the same (among names in both trees).</summary>
        private void CompareHardLinks()
        {
            foreach (var relative in expectedInodeOf.Keys.Order(StringComparer.Ordinal))
            {
                if (!actualInodeOf.ContainsKey(relative))
                {
                    continue;
                }

                var expectedPeers = Peers(expectedInodes, expectedInodeOf, relative);
                var actualPeers = Peers(actualInodes, actualInodeOf, relative);
                if (!expectedPeers.SequenceEqual(actualPeers))
                {
                    Report(relative, $"hard-linked with [{List(actualPeers)}], expected [{List(expectedPeers)}]");
                }
            }
        }

        private List<string> Peers(Dictionary<(ulong, ulong), List<string>> inodes, Dictionary<string, (ulong, ulong)> inodeOf, string relative) =>
            inodes[inodeOf[relative]]
                .Where(p => p != relative && expectedInodeOf.ContainsKey(p) && actualInodeOf.ContainsKey(p))
                .Order(StringComparer.Ordinal)
                .ToList();

        private void Report(string relative, string what) =>
            Differences.Add(new TreeDifference(relative.Length == 0 ? "." : relative, what));

        private static string Full(string root, string relative) => relative.Length == 0 ? root : root + "/" + relative;

        private static string List(IEnumerable<string> paths) => string.Join(", ", paths.Select(TreeDifference.Printable));

        private static string Quote(string target) => "\"" + TreeDifference.Printable(target) + "\"";

        private static string Octal(uint permissions) => Convert.ToString(permissions, 8).PadLeft(4, '0');

        private static string Time(Timespec time) =>
            string.Create(CultureInfo.InvariantCulture, $"{DateTimeOffset.FromUnixTimeSeconds(time.Seconds):yyyy-MM-dd HH:mm:ss}.{time.Nanoseconds:D9}Z");

        private static string Hex(byte[] value) =>
            value.Length <= 32 ? $"0x{Convert.ToHexString(value)} ({value.Length} bytes)" : $"0x{Convert.ToHexString(value, 0, 32)}... ({value.Length} bytes)";
    }
}
