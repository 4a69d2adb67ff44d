using System.Globalization;
using System.IO.MemoryMappedFiles;
using System.Text;
using Backup.Core.FileSystem;
using Backup.IntegrationTests.Infrastructure;
using Backup.Linux.FileSystem;
using Microsoft.Win32.SafeHandles;

namespace Backup.IntegrationTests.Journal;

/// <summary>
/// Seeded random changes to a directory tree, of every kind a change journal must notice: the input of
/// the journal-versus-full-scan equivalence tests. The same seed applied to the same starting tree on
/// the same filesystem type makes the same changes; every operation is logged for failure messages.
/// </summary>
/// <remarks>
/// <para>
/// Each operation first lists the whole tree (ordinally sorted, so that directory hash order cannot
/// change the choices), then draws its kind from a weighted table and its targets from that list. An
/// operation that does not apply (nothing to remove, rmdir of a non-empty directory, a rename or link
/// across btrfs subvolumes that fails with EXDEV) is logged as skipped; the random sequence stays the
/// same either way. "lost+found" in the root and the roots of mounts and subvolumes below the root are
/// never removed or renamed, but changes inside them are made as anywhere else.
/// </para>
/// <para>Weights of <see cref="Apply"/> (out of 100):</para>
/// <list type="table">
/// <item><term>13 create file</term><description>random content; sizes mostly below 4 KiB, sometimes up to <see cref="WorkloadOptions.MaxFileSize"/>; occasionally empty</description></item>
/// <item><term>7 write</term><description>overwrite at a random offset, sometimes past the end (a hole)</description></item>
/// <item><term>5 append</term><description></description></item>
/// <item><term>4 truncate</term><description>shrink, or grow by up to 1 MiB (a sparse tail)</description></item>
/// <item><term>5 chmod</term><description>files incl. setuid/setgid and 0000; directories incl. setuid, setgid and sticky</description></item>
/// <item><term>3 chown</term><description>numeric uid/gid, some without a passwd entry (lchown: also symlinks)</description></item>
/// <item><term>4 setxattr / 2 removexattr</term><description>user.* on files and directories; binary and empty values</description></item>
/// <item><term>4 utimes</term><description>mtime and atime set into the past (2000–2020, with nanoseconds)</description></item>
/// <item><term>4 hard link</term><description>in the same or another directory</description></item>
/// <item><term>3 remove link</term><description>unlink one name of a multiply linked file, else of any non-directory</description></item>
/// <item><term>3 symlink / 2 retarget</term><description>relative, absolute or dangling UTF-8 targets; retarget replaces the link by rename</description></item>
/// <item><term>2 mkfifo</term><description></description></item>
/// <item><term>6 mkdir</term><description>one to three nested levels, up to <see cref="WorkloadOptions.MaxDepth"/></description></item>
/// <item><term>3 rmdir</term><description>an empty directory</description></item>
/// <item><term>5 rename file / 3 rename directory</term><description>within the directory or into another one</description></item>
/// <item><term>3 rename over</term><description>a non-directory replaces another</description></item>
/// <item><term>2 delete subtree</term><description></description></item>
/// <item><term>4 mmap write</term><description>MAP_SHARED store into a mapped range, then munmap and close</description></item>
/// <item><term>3 held write</term><description>only with <see cref="WorkloadOptions.HoldFilesOpen"/>: write through a descriptor that stays open until <see cref="CloseHeldFiles"/></description></item>
/// </list>
/// <para>
/// <see cref="Populate"/> builds a starting tree from the creating operations only (files, directories,
/// links, fifos, attributes, modes, owners and times). New names sometimes hold a space, newline, tab,
/// quotes, a backslash, non-ASCII letters or bytes that are not UTF-8. Symlink targets are always valid
/// UTF-8: restic 0.14 stores a non-UTF-8 target as U+FFFD, so such a link could not have restic's tree ID.
/// Sockets are never created (no backup stores them).
/// </para>
/// </remarks>
public sealed class Workload : IDisposable
{
    private const int KiB = 1024;
    private const int MiB = 1024 * KiB;

    private static readonly (Operation Kind, int Weight)[] ChangeWeights =
    [
        (Operation.CreateFile, 13), (Operation.Write, 7), (Operation.Append, 5), (Operation.Truncate, 4),
        (Operation.Chmod, 5), (Operation.Chown, 3), (Operation.SetXattr, 4), (Operation.RemoveXattr, 2),
        (Operation.Utimes, 4), (Operation.HardLink, 4), (Operation.RemoveLink, 3), (Operation.Symlink, 3),
        (Operation.RetargetSymlink, 2), (Operation.Mkfifo, 2), (Operation.Mkdir, 6), (Operation.Rmdir, 3),
        (Operation.RenameFile, 5), (Operation.RenameDirectory, 3), (Operation.RenameOver, 3),
        (Operation.DeleteSubtree, 2), (Operation.MmapWrite, 4), (Operation.HeldWrite, 3),
    ];

    private static readonly (Operation Kind, int Weight)[] PopulateWeights =
    [
        (Operation.CreateFile, 40), (Operation.Mkdir, 15), (Operation.HardLink, 6), (Operation.Symlink, 6),
        (Operation.Mkfifo, 2), (Operation.SetXattr, 6), (Operation.Chmod, 6), (Operation.Chown, 4), (Operation.Utimes, 8),
    ];

    private static readonly uint[] FileModes = [0x1A4, 0x180, 0x1ED, 0x124, 0x1A0, 0x000, 0x9ED, 0x5ED, 0xDC9, 0x1B4]; // 644 600 755 444 640 000 4755 2755 6711 664
    private static readonly uint[] DirectoryModes = [0x1ED, 0x1C0, 0x3FF, 0x5FD, 0x16D, 0x7ED, 0x9ED, 0x1E8]; // 755 700 1777 2775 555 3755 4755 750
    private static readonly uint[] Owners = [0, 0, 1000, 65534, 4242, 123456];
    private static readonly string[] AttributeNames = ["user.comment", "user.tag", "user.checksum", "user.binary", "user.empty"];
    private static readonly string[] Syllables = ["ka", "lo", "mi", "ne", "ru", "sa", "to", "vi", "ze", "data", "log", "tmp", "x"];

    /// <summary>Odd pieces of names, as raw bytes: the last three are not UTF-8.</summary>
    private static readonly byte[][] OddFragments =
    [
        " "u8.ToArray(), "\n"u8.ToArray(), "\t"u8.ToArray(), "\""u8.ToArray(), "'"u8.ToArray(), "\\"u8.ToArray(),
        "é"u8.ToArray(), "日本"u8.ToArray(), [0xff], [0xfe, 0x80], [0xc3, 0x28],
    ];

    private readonly LinuxFileSystem fs = new();
    private readonly Random random;
    private readonly List<string> log = [];
    private readonly List<(SafeFileHandle Handle, string Path)> heldFiles = [];
    private int applied;

    public Workload(string root, int seed, WorkloadOptions? options = null)
    {
        Root = Path.TrimEndingDirectorySeparator(root);
        Seed = seed;
        Options = options ?? new WorkloadOptions();
        random = new Random(seed);
    }

    private enum Operation
    {
        CreateFile,
        Write,
        Append,
        Truncate,
        Chmod,
        Chown,
        SetXattr,
        RemoveXattr,
        Utimes,
        HardLink,
        RemoveLink,
        Symlink,
        RetargetSymlink,
        Mkfifo,
        Mkdir,
        Rmdir,
        RenameFile,
        RenameDirectory,
        RenameOver,
        DeleteSubtree,
        MmapWrite,
        HeldWrite,
    }

    public string Root { get; }

    public int Seed { get; }

    public WorkloadOptions Options { get; }

    /// <summary>One line per operation so far: its number, what it did (or why it was skipped).</summary>
    public IReadOnlyList<string> Log => log;

    /// <summary>Paths (relative to <see cref="Root"/>, as opened) of the files held open by "held write" operations.</summary>
    public IReadOnlyList<string> HeldFiles => heldFiles.Select(h => h.Path).ToList();

    /// <summary>Builds a starting tree with <paramref name="operations"/> creating operations.</summary>
    public void Populate(int operations = 150) => Run(operations, PopulateWeights);

    /// <summary>Applies <paramref name="operations"/> random changes (see the table in the remarks).</summary>
    public void Apply(int operations) => Run(operations, ChangeWeights);

    /// <summary>The seed and the last operations, for a failure message.</summary>
    public string Describe(int lastOperations = 40)
    {
        var builder = new StringBuilder();
        builder.Append(CultureInfo.InvariantCulture, $"workload seed {Seed} on {Root}, {applied} operations");
        if (log.Count > lastOperations)
        {
            builder.Append(CultureInfo.InvariantCulture, $" (the last {lastOperations} below)");
        }

        builder.Append(':');
        foreach (var line in log.Skip(Math.Max(0, log.Count - lastOperations)))
        {
            builder.Append('\n').Append("  ").Append(line);
        }

        return builder.ToString();
    }

    /// <summary>Closes the descriptors of "held write" operations (a close after writing, as the writer finally does).</summary>
    public void CloseHeldFiles()
    {
        foreach (var (handle, _) in heldFiles)
        {
            handle.Dispose();
        }

        heldFiles.Clear();
    }

    public void Dispose() => CloseHeldFiles();

    private void Run(int operations, (Operation Kind, int Weight)[] weights)
    {
        var total = weights.Sum(w => w.Weight);
        for (var i = 0; i < operations; i++)
        {
            var draw = random.Next(total);
            var kind = weights.First(w => (draw -= w.Weight) < 0).Kind;
            var tree = Scan();
            string line;
            try
            {
                line = Perform(kind, tree) ?? $"{kind}: skipped, nothing it applies to";
            }
            catch (FileSystemException e) when (e.Errno == WorkloadSyscalls.EXDEV)
            {
                // Relative paths keep the log the same for the same seed on another mount point.
                line = $"{kind}: skipped, {e.Message.Replace(Root + "/", "", StringComparison.Ordinal)}";
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                log.Add($"#{applied} {kind}: FAILED: {e.Message}");
                throw new InvalidOperationException($"workload operation {kind} failed: {e.Message}\n{Describe()}", e);
            }

            log.Add($"#{applied} {line}");
            applied++;
        }
    }

    private string? Perform(Operation kind, Tree tree) => kind switch
    {
        Operation.CreateFile => CreateFile(tree),
        Operation.Write => Write(tree),
        Operation.Append => Append(tree),
        Operation.Truncate => Truncate(tree),
        Operation.Chmod => Chmod(tree),
        Operation.Chown => Chown(tree),
        Operation.SetXattr => SetXattr(tree),
        Operation.RemoveXattr => RemoveXattr(tree),
        Operation.Utimes => Utimes(tree),
        Operation.HardLink => HardLink(tree),
        Operation.RemoveLink => RemoveLink(tree),
        Operation.Symlink => Symlink(tree),
        Operation.RetargetSymlink => RetargetSymlink(tree),
        Operation.Mkfifo => Mkfifo(tree),
        Operation.Mkdir => Mkdir(tree),
        Operation.Rmdir => Rmdir(tree),
        Operation.RenameFile => RenameFile(tree),
        Operation.RenameDirectory => RenameDirectory(tree),
        Operation.RenameOver => RenameOver(tree),
        Operation.DeleteSubtree => DeleteSubtree(tree),
        Operation.MmapWrite => MmapWrite(tree),
        Operation.HeldWrite => HeldWrite(tree),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    private string CreateFile(Tree tree)
    {
        var directory = Pick(tree.Directories(Options.MaxDepth));
        var path = NewName(directory.Path);
        var size = FileSize();
        using (var handle = fs.CreateFile(Full(path), 0x1A4))
        {
            WriteRandom(handle, 0, size);
        }

        return $"create file {Show(path)} ({size} bytes)";
    }

    private string? Write(Tree tree)
    {
        var file = PickOrNull(tree.Regular());
        if (file is null)
        {
            return null;
        }

        // Mostly inside the file, sometimes past its end, leaving a hole.
        var offset = random.Next(4) == 0 ? file.Status.Size + random.Next(1, 64 * KiB) : random.NextInt64(0, file.Status.Size + 1);
        var length = random.Next(1, 16 * KiB);
        using var handle = WorkloadSyscalls.OpenReadWrite(Full(file.Path));
        WriteRandom(handle, offset, length);
        return $"write {Show(file.Path)} {length} bytes at {offset}";
    }

    private string? Append(Tree tree)
    {
        var file = PickOrNull(tree.Regular());
        if (file is null)
        {
            return null;
        }

        var length = random.Next(4) == 0 ? random.Next(1, MiB) : random.Next(1, 4 * KiB);
        using var handle = WorkloadSyscalls.OpenReadWrite(Full(file.Path));
        WriteRandom(handle, file.Status.Size, length);
        return $"append {length} bytes to {Show(file.Path)}";
    }

    private string? Truncate(Tree tree)
    {
        var file = PickOrNull(tree.Regular());
        if (file is null)
        {
            return null;
        }

        var size = random.Next(2) == 0 ? random.NextInt64(0, file.Status.Size + 1) : file.Status.Size + random.Next(1, MiB);
        using var handle = WorkloadSyscalls.OpenReadWrite(Full(file.Path));
        RandomAccess.SetLength(handle, size);
        return $"truncate {Show(file.Path)} from {file.Status.Size} to {size}";
    }

    private string Chmod(Tree tree)
    {
        var entry = Pick(tree.Entries.Where(e => e.Status.Kind != FileKind.Symlink).ToList());
        var modes = entry.Status.Kind == FileKind.Directory ? DirectoryModes : FileModes;
        var mode = modes[random.Next(modes.Length)];
        fs.SetPermissions(Full(entry.Path), mode);
        return $"chmod {Convert.ToString(mode, 8).PadLeft(4, '0')} {Show(entry.Path)}";
    }

    private string Chown(Tree tree)
    {
        var entry = Pick(tree.Entries);
        var (uid, gid) = (Owners[random.Next(Owners.Length)], Owners[random.Next(Owners.Length)]);
        fs.SetOwner(Full(entry.Path), uid, gid);
        return $"chown {uid}:{gid} {Show(entry.Path)}";
    }

    private string SetXattr(Tree tree)
    {
        // The user.* namespace takes only regular files and directories.
        var entry = Pick(tree.Entries.Where(e => e.Status.Kind is FileKind.Regular or FileKind.Directory).ToList());
        var name = AttributeNames[random.Next(AttributeNames.Length)];
        var value = name == "user.empty" ? [] : RandomBytes(random.Next(0, 200));
        fs.SetExtendedAttribute(Full(entry.Path), name, value);
        return $"setxattr {name} ({value.Length} bytes) on {Show(entry.Path)}";
    }

    private string? RemoveXattr(Tree tree)
    {
        var candidates = tree.Entries
            .Where(e => e.Status.Kind is FileKind.Regular or FileKind.Directory)
            .Select(e => (Entry: e, Names: fs.ReadExtendedAttributes(Full(e.Path)).Select(a => a.Name).Where(n => n.StartsWith("user.", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList()))
            .Where(c => c.Names.Count > 0)
            .ToList();
        if (candidates.Count == 0)
        {
            return null;
        }

        var (entry, names) = candidates[random.Next(candidates.Count)];
        var name = names[random.Next(names.Count)];
        WorkloadSyscalls.RemoveExtendedAttribute(Full(entry.Path), name);
        return $"removexattr {name} from {Show(entry.Path)}";
    }

    private string Utimes(Tree tree)
    {
        var entry = Pick(tree.Entries);
        var mtime = PastTime();
        fs.SetTimes(Full(entry.Path), PastTime(), mtime);
        return $"utimes {Show(entry.Path)} mtime {mtime.Seconds}.{mtime.Nanoseconds:D9}";
    }

    private string? HardLink(Tree tree)
    {
        var file = PickOrNull(tree.Regular());
        if (file is null)
        {
            return null;
        }

        var directory = random.Next(2) == 0 ? file.Parent : Pick(tree.Directories(Options.MaxDepth)).Path;
        var link = NewName(directory);
        fs.CreateHardLink(Full(file.Path), Full(link));
        return $"hard link {Show(link)} to {Show(file.Path)}";
    }

    private string? RemoveLink(Tree tree)
    {
        var linked = tree.Entries.Where(e => e.Status.Kind != FileKind.Directory && e.Status.Links > 1).ToList();
        var entry = PickOrNull(linked.Count > 0 ? linked : tree.Entries.Where(e => e.Status.Kind != FileKind.Directory).ToList());
        if (entry is null)
        {
            return null;
        }

        fs.Unlink(Full(entry.Path));
        return $"unlink {Show(entry.Path)} ({entry.Status.Kind}, {entry.Status.Links} links)";
    }

    private string Symlink(Tree tree)
    {
        var directory = Pick(tree.Directories(Options.MaxDepth));
        var link = NewName(directory.Path);
        var target = SymlinkTarget(tree, directory.Path);
        fs.CreateSymlink(target, Full(link));
        return $"symlink {Show(link)} -> {Show(target)}";
    }

    private string? RetargetSymlink(Tree tree)
    {
        var link = PickOrNull(tree.Entries.Where(e => e.Status.Kind == FileKind.Symlink).ToList());
        if (link is null)
        {
            return null;
        }

        // As "ln -sfT" does it atomically: a new link under a temporary name, renamed over the old one.
        var target = SymlinkTarget(tree, link.Parent);
        var temporary = NewName(link.Parent);
        fs.CreateSymlink(target, Full(temporary));
        WorkloadSyscalls.Rename(Full(temporary), Full(link.Path));
        return $"retarget {Show(link.Path)} -> {Show(target)}";
    }

    private string Mkfifo(Tree tree)
    {
        var path = NewName(Pick(tree.Directories(Options.MaxDepth)).Path);
        fs.CreateSpecial(Full(path), FileKind.Fifo, 0x1A4, 0);
        return $"mkfifo {Show(path)}";
    }

    private string Mkdir(Tree tree)
    {
        var parent = Pick(tree.Directories(Options.MaxDepth));
        var levels = Math.Min(random.Next(1, 4), Math.Max(1, Options.MaxDepth - parent.Depth));
        var path = parent.Path;
        for (var i = 0; i < levels; i++)
        {
            path = NewName(path);
            fs.CreateDirectory(Full(path), 0x1ED);
        }

        return $"mkdir {Show(path)} ({levels} levels)";
    }

    private string? Rmdir(Tree tree)
    {
        var empty = PickOrNull(tree.Movable().Where(e => e.Status.Kind == FileKind.Directory && fs.ReadDirectory(Full(e.Path)).Count == 0).ToList());
        if (empty is null)
        {
            return null;
        }

        WorkloadSyscalls.RemoveDirectory(Full(empty.Path));
        return $"rmdir {Show(empty.Path)}";
    }

    private string? RenameFile(Tree tree)
    {
        var entry = PickOrNull(tree.Movable().Where(e => e.Status.Kind != FileKind.Directory).ToList());
        if (entry is null)
        {
            return null;
        }

        var directory = random.Next(2) == 0 ? entry.Parent : Pick(tree.Directories(Options.MaxDepth)).Path;
        var target = NewName(directory);
        WorkloadSyscalls.Rename(Full(entry.Path), Full(target));
        return $"rename {Show(entry.Path)} to {Show(target)}";
    }

    private string? RenameDirectory(Tree tree)
    {
        var directory = PickOrNull(tree.Movable().Where(e => e.Status.Kind == FileKind.Directory).ToList());
        if (directory is null)
        {
            return null;
        }

        // Not into itself or below itself.
        var parents = tree.Directories(Options.MaxDepth).Where(d => d.Path != directory.Path && !d.Path.StartsWith(directory.Path + "/", StringComparison.Ordinal)).ToList();
        var parent = random.Next(2) == 0 ? directory.Parent : Pick(parents).Path;
        var target = NewName(parent);
        WorkloadSyscalls.Rename(Full(directory.Path), Full(target));
        return $"rename directory {Show(directory.Path)} to {Show(target)}";
    }

    private string? RenameOver(Tree tree)
    {
        var candidates = tree.Movable().Where(e => e.Status.Kind != FileKind.Directory).ToList();
        if (candidates.Count < 2)
        {
            return null;
        }

        var source = Pick(candidates);
        var victim = Pick(candidates.Where(c => c.Path != source.Path).ToList());
        WorkloadSyscalls.Rename(Full(source.Path), Full(victim.Path));
        return $"rename {Show(source.Path)} over {Show(victim.Path)} ({victim.Status.Kind})";
    }

    private string? DeleteSubtree(Tree tree)
    {
        var directory = PickOrNull(tree.Movable().Where(e => e.Status.Kind == FileKind.Directory && !tree.HasBoundaryBelow(e.Path)).ToList());
        if (directory is null)
        {
            return null;
        }

        var removed = DeleteRecursively(Full(directory.Path));
        return $"delete subtree {Show(directory.Path)} ({removed} entries)";
    }

    private string? MmapWrite(Tree tree)
    {
        var file = PickOrNull(tree.Regular().Where(f => f.Status.Size > 0).ToList());
        if (file is null)
        {
            return null;
        }

        var offset = random.NextInt64(0, file.Status.Size);
        var length = (int)Math.Min(file.Status.Size - offset, random.Next(1, 64 * KiB));
        var bytes = RandomBytes(length);
        using (var handle = WorkloadSyscalls.OpenReadWrite(Full(file.Path)))
        using (var map = MemoryMappedFile.CreateFromFile(handle, null, 0, MemoryMappedFileAccess.ReadWrite, HandleInheritability.None, leaveOpen: true))
        using (var view = map.CreateViewAccessor(offset, length, MemoryMappedFileAccess.ReadWrite))
        {
            // Plain stores into the shared mapping; the kernel writes them back, no write(2) is made.
            view.WriteArray(0, bytes, 0, length);
        }

        return $"mmap write {Show(file.Path)} {length} bytes at {offset}";
    }

    private string? HeldWrite(Tree tree)
    {
        if (!Options.HoldFilesOpen)
        {
            return "held write: skipped, files are not held open";
        }

        if (heldFiles.Count > 0 && random.Next(2) == 0)
        {
            // The held file may since have been renamed or removed: writes still go to its inode.
            var (held, heldPath) = heldFiles[random.Next(heldFiles.Count)];
            var length = random.Next(1, 8 * KiB);
            var offset = RandomAccess.GetLength(held);
            WriteRandom(held, offset, length);
            return $"held write {length} bytes at {offset} through the descriptor opened on {Show(heldPath)}";
        }

        var file = PickOrNull(tree.Regular());
        if (file is null)
        {
            return null;
        }

        var handle = WorkloadSyscalls.OpenReadWrite(Full(file.Path));
        heldFiles.Add((handle, file.Path));
        var bytes = random.Next(1, 8 * KiB);
        WriteRandom(handle, file.Status.Size, bytes);
        return $"held write: open {Show(file.Path)}, append {bytes} bytes, keep it open";
    }

    private int DeleteRecursively(string path)
    {
        var removed = 0;
        foreach (var name in fs.ReadDirectory(path))
        {
            var child = path + "/" + name;
            if (fs.LStat(child).Kind == FileKind.Directory)
            {
                removed += DeleteRecursively(child);
            }
            else
            {
                fs.Unlink(child);
                removed++;
            }
        }

        WorkloadSyscalls.RemoveDirectory(path);
        return removed + 1;
    }

    private string SymlinkTarget(Tree tree, string linkDirectory)
    {
        switch (random.Next(4))
        {
            case 0:
                return "/etc/hostname";
            case 1:
                return $"does not/exist-{random.Next(1000)}";
            default:
                var entry = Pick(tree.Entries);
                var relative = Path.GetRelativePath(linkDirectory.Length == 0 ? "/r" : "/r/" + linkDirectory, entry.Path.Length == 0 ? "/r" : "/r/" + entry.Path);

                // A target must stay valid UTF-8 (see the remarks); a name with other bytes gives a dangling one.
                return System.Text.Unicode.Utf8.IsValid(PathEncoding.Encode(relative)) ? relative : $"../dangling-{random.Next(1000)}";
        }
    }

    /// <summary>A name that does not exist yet in <paramref name="directory"/>, returned as the relative path of the new entry.</summary>
    private string NewName(string directory)
    {
        while (true)
        {
            var bytes = new List<byte>();
            var syllables = random.Next(1, 4);
            for (var i = 0; i < syllables; i++)
            {
                bytes.AddRange(Encoding.ASCII.GetBytes(Syllables[random.Next(Syllables.Length)]));
            }

            if (random.NextDouble() < Options.OddNameRate)
            {
                var fragment = OddFragments[random.Next(OddFragments.Length)];
                bytes.InsertRange(random.Next(bytes.Count + 1), fragment);
            }

            bytes.AddRange(Encoding.ASCII.GetBytes(random.Next(1000).ToString(CultureInfo.InvariantCulture)));
            var name = PathEncoding.Decode(bytes.ToArray());
            var path = directory.Length == 0 ? name : directory + "/" + name;
            if (!Exists(Full(path)))
            {
                return path;
            }
        }
    }

    private bool Exists(string path)
    {
        try
        {
            fs.LStat(path);
            return true;
        }
        catch (FileSystemException e) when (e.Errno == 2)
        {
            return false;
        }
    }

    private int FileSize() => random.Next(100) switch
    {
        < 5 => 0,
        < 65 => random.Next(1, 4 * KiB),
        < 85 => random.Next(4 * KiB, 64 * KiB),
        < 95 => random.Next(64 * KiB, MiB),
        _ => random.Next(MiB, Math.Max(MiB + 1, Options.MaxFileSize)),
    };

    private Timespec PastTime() =>
        new(946_684_800L + random.NextInt64(0, 20L * 365 * 24 * 3600), (uint)random.Next(1_000_000_000)); // 2000-01-01 + up to 20 years

    private void WriteRandom(SafeFileHandle handle, long offset, int length)
    {
        var buffer = new byte[Math.Min(length, MiB)];
        for (var done = 0; done < length;)
        {
            var part = Math.Min(buffer.Length, length - done);
            random.NextBytes(buffer.AsSpan(0, part));
            RandomAccess.Write(handle, buffer.AsSpan(0, part), offset + done);
            done += part;
        }
    }

    private byte[] RandomBytes(int count)
    {
        var bytes = new byte[count];
        random.NextBytes(bytes);
        return bytes;
    }

    private T Pick<T>(IReadOnlyList<T> items) => items[random.Next(items.Count)];

    private T? PickOrNull<T>(IReadOnlyList<T> items)
        where T : class => items.Count == 0 ? null : items[random.Next(items.Count)];

    private string Full(string relative) => relative.Length == 0 ? Root : Root + "/" + relative;

    private static string Show(string relative) => "\"" + TreeDifference.Printable(relative) + "\"";

    /// <summary>Lists the tree below <see cref="Root"/> in ordinal order, directories before their contents.</summary>
    private Tree Scan()
    {
        var entries = new List<Entry>();
        var rootStatus = fs.LStat(Root);
        entries.Add(new Entry("", "", rootStatus, 0, IsBoundary: true));
        ScanDirectory("", rootStatus.Device, 0, entries);
        return new Tree(entries);
    }

    private void ScanDirectory(string relative, ulong device, int depth, List<Entry> entries)
    {
        foreach (var name in fs.ReadDirectory(Full(relative)).Order(StringComparer.Ordinal))
        {
            if (relative.Length == 0 && name == "lost+found")
            {
                continue;
            }

            var path = relative.Length == 0 ? name : relative + "/" + name;
            var status = fs.LStat(Full(path));
            var entry = new Entry(path, relative, status, depth + 1, IsBoundary: status.Device != device);
            entries.Add(entry);
            if (status.Kind == FileKind.Directory)
            {
                ScanDirectory(path, status.Device, depth + 1, entries);
            }
        }
    }

    /// <param name="IsBoundary">The root of the tree, of a mount or of a btrfs subvolume: never removed or renamed.</param>
    private sealed record Entry(string Path, string Parent, FileStatus Status, int Depth, bool IsBoundary);

    private sealed class Tree(List<Entry> entries)
    {
        public List<Entry> Entries { get; } = entries;

        public List<Entry> Directories(int maxDepth) => Entries.Where(e => e.Status.Kind == FileKind.Directory && e.Depth < maxDepth).ToList();

        public List<Entry> Regular() => Entries.Where(e => e.Status.Kind == FileKind.Regular).ToList();

        public IEnumerable<Entry> Movable() => Entries.Where(e => !e.IsBoundary);

        public bool HasBoundaryBelow(string directory) =>
            Entries.Any(e => e.IsBoundary && e.Path.StartsWith(directory + "/", StringComparison.Ordinal));
    }
}

/// <summary>Knobs of a <see cref="Workload"/>.</summary>
public sealed record WorkloadOptions
{
    /// <summary>Enables "held write": some files stay open (and are written through) until <see cref="Workload.CloseHeldFiles"/>.</summary>
    public bool HoldFilesOpen { get; init; }

    /// <summary>The largest size of a new file; a few percent of new files are between 1 MiB and this.</summary>
    public int MaxFileSize { get; init; } = 4 * 1024 * 1024;

    /// <summary>How deep below the root new directories and entries go.</summary>
    public int MaxDepth { get; init; } = 6;

    /// <summary>The share of new names holding an odd character or a non-UTF-8 byte.</summary>
    public double OddNameRate { get; init; } = 0.2;
}
