using System.Buffers.Binary;
using System.Text;
using Backup.Core.FileSystem;
using Backup.Linux.FileSystem;

namespace Backup.IntegrationTests.Infrastructure;

/// <summary>
/// A deterministic directory tree holding every kind of file and metadata a backup must carry: the input
/// of oracle tests, which back it up, restore it and compare the result with <see cref="TreeComparer"/>.
/// The same seed gives the same names, contents, modes, owners, attributes and times.
/// </summary>
public sealed class SampleTree
{
    public const string EmptyFile = "data/empty";
    public const string SmallFile = "data/small.txt";
    public const string SparseFile = "data/sparse.img";
    public const string HalfRandomFile = "data/half-random.bin";
    public const string RelativeSymlink = "links/relative";
    public const string AbsoluteSymlink = "links/absolute";
    public const string DanglingSymlink = "links/dangling";
    public const string Fifo = "special/fifo";
    public const string BlockDevice = "special/block-7-200";
    public const string CharDevice = "special/char-1-3";
    public const string Socket = "special/socket";
    public const string SetuidFile = "modes/setuid";
    public const string StickyDirectory = "modes/sticky-dir";
    public const string NobodyFile = "owners/nobody";
    public const string NumericOwnerFile = "owners/uid-4242";
    public const string TextAttributeFile = "xattrs/text";
    public const string BinaryAttributeFile = "xattrs/binary";
    public const string AclFile = "xattrs/acl-file";
    public const string AclDirectory = "xattrs/acl-dir";
    public const string EmptyDirectory = "empty-dir";
    public const string NamesDirectory = "names";

    public const int SparseFileSize = 20 * MiB;
    public const int HalfRandomFileSize = 40 * MiB;
    public const int NestingDepth = 20;

    /// <summary>A numeric owner that has no passwd or group entry.</summary>
    public const uint UnnamedId = 4242;

    public const uint NobodyId = 65534;

    private const int MiB = 1024 * 1024;

    // posix_acl_xattr tags (linux/posix_acl.h) and the id that unnamed entries carry.
    private const ushort AclUserObj = 0x01;
    private const ushort AclUser = 0x02;
    private const ushort AclGroupObj = 0x04;
    private const ushort AclGroup = 0x08;
    private const ushort AclMask = 0x10;
    private const ushort AclOther = 0x20;
    private const uint AclUndefinedId = uint.MaxValue;

    private readonly LinuxFileSystem fs = new();
    private readonly Random random;
    private readonly List<string> directories = [];
    private readonly Dictionary<string, uint> directoryPermissions = [];
    private readonly List<string> nonDirectories = [];

    private SampleTree(string root, int seed)
    {
        Root = root;
        Seed = seed;
        random = new Random(seed);
        IsPrivileged = Environment.IsPrivilegedProcess;
    }

    public string Root { get; }

    public int Seed { get; }

    /// <summary>Built as root: with block and char devices and files owned by other users.</summary>
    public bool IsPrivileged { get; }

    /// <summary>Three names of one inode, in three directories.</summary>
    public static IReadOnlyList<string> HardLinkGroup { get; } = ["hardlinks/a/first", "hardlinks/b/second", "hardlinks/c/deeper/third"];

    /// <summary>The deepest directory, <see cref="NestingDepth"/> levels below "deep".</summary>
    public static string DeepestDirectory { get; } = "deep/" + string.Join('/', Enumerable.Range(1, NestingDepth).Select(i => $"level{i:D2}"));

    /// <summary>Names that trip up text handling, as raw bytes (all below <see cref="NamesDirectory"/>).</summary>
    public static IReadOnlyList<byte[]> OddNames { get; } =
    [
        "new\nline"u8.ToArray(),
        "double\"quote"u8.ToArray(),
        "single'quote"u8.ToArray(),
        "back\\slash"u8.ToArray(),
        "<angle>&amp"u8.ToArray(),
        "tab\tseparated"u8.ToArray(),
        "carriage\rreturn"u8.ToArray(),
        " leading and trailing space "u8.ToArray(),
        "-starts-with-dash"u8.ToArray(),
        "*?[glob]"u8.ToArray(),
        "$(not a command)"u8.ToArray(),
        [(byte)'b', (byte)'a', (byte)'d', 0xff, 0xfe, (byte)'u', (byte)'t', (byte)'f', (byte)'8'],
        [0xed, 0xa0, 0x80], // an encoded surrogate: invalid UTF-8
        [0x80],
        Encoding.UTF8.GetBytes("Ünïcødé-日本語-😀"),
        Encoding.UTF8.GetBytes("caf\u00e9"), // precomposed é
        Encoding.UTF8.GetBytes("cafe\u0301"), // e and a combining accent: a different name
        Encoding.UTF8.GetBytes(new string('L', 255)),
        Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("ä", 127)) + "x"), // 255 bytes
    ];

    /// <summary>Builds the tree under <paramref name="root"/>, which is created if missing and should be empty.</summary>
    public static SampleTree Create(string root, int seed)
    {
        var tree = new SampleTree(Path.TrimEndingDirectorySeparator(root), seed);
        tree.Build();
        return tree;
    }

    public string PathOf(string relative) => relative.Length == 0 ? Root : Root + "/" + relative;

    private void Build()
    {
        if (!System.IO.Directory.Exists(Root))
        {
            fs.CreateDirectory(Root, Octal("755"));
        }

        directories.Add("");
        directoryPermissions[""] = Octal("755");
        BuildData();
        BuildDeep();
        BuildLinks();
        BuildHardLinks();
        BuildSpecial();
        BuildModes();
        BuildOwners();
        BuildAttributes();
        BuildNames();
        AddDirectory(EmptyDirectory, Octal("700"));
        SetTimesLast();
    }

    private void BuildData()
    {
        AddDirectory("data");
        AddFile(EmptyFile, []);
        AddFile(SmallFile, Encoding.UTF8.GetBytes($"sample tree {Seed}\nsmall text file\n"));
        for (var i = 0; i < 20; i++)
        {
            AddFile($"data/small-{i:D2}.bin", RandomBytes(random.Next(1, 16 * 1024)));
        }

        for (var i = 0; i < 3; i++)
        {
            var size = random.Next(MiB, 3 * MiB + 1);
            WriteChunked($"data/random-{i}.bin", size, _ => true);
        }

        // Two data regions in 20 MiB of holes, ending in a hole.
        var path = Create(SparseFile);
        using (var handle = fs.CreateFile(path, Octal("644")))
        {
            RandomAccess.Write(handle, RandomBytes(64 * 1024), 1 * MiB);
            RandomAccess.Write(handle, RandomBytes(128 * 1024 + 123), 12 * MiB + 4096);
            RandomAccess.SetLength(handle, SparseFileSize);
        }

        // Alternate MiB of random bytes and written (not sparse) zeros: half dedups, half does not.
        WriteChunked(HalfRandomFile, HalfRandomFileSize, chunk => chunk % 2 == 0);
    }

    private void BuildDeep()
    {
        var path = "deep";
        AddDirectory(path);
        for (var i = 1; i <= NestingDepth; i++)
        {
            path += $"/level{i:D2}";
            AddDirectory(path);
        }

        AddFile(path + "/leaf.txt", "at the bottom\n"u8.ToArray());
    }

    private void BuildLinks()
    {
        AddDirectory("links");
        AddSymlink("../" + SmallFile, RelativeSymlink);
        AddSymlink("/etc/passwd", AbsoluteSymlink);
        AddSymlink("does/not/exist", DanglingSymlink);
        AddSymlink("../deep", "links/to-directory");
        AddSymlink(".", "links/to-itself-dir");
        AddSymlink("loop-b", "links/loop-a");
        AddSymlink("loop-a", "links/loop-b");
        AddSymlink(PathEncoding.Decode([(byte)'o', (byte)'d', (byte)'d', 0xff, (byte)'\n', (byte)'t']), "links/odd-target");
        AddSymlink(string.Join('/', Enumerable.Repeat("long-target-segment", 100)), "links/long-target");
    }

    private void BuildHardLinks()
    {
        AddDirectory("hardlinks");
        AddDirectory("hardlinks/a");
        AddDirectory("hardlinks/b");
        AddDirectory("hardlinks/c");
        AddDirectory("hardlinks/c/deeper");
        AddFile(HardLinkGroup[0], RandomBytes(10_000));
        for (var i = 1; i < HardLinkGroup.Count; i++)
        {
            fs.CreateHardLink(PathOf(HardLinkGroup[0]), PathOf(HardLinkGroup[i]));
        }

        AddFile("hardlinks/a/pair-1", "a pair of names\n"u8.ToArray());
        fs.CreateHardLink(PathOf("hardlinks/a/pair-1"), PathOf("hardlinks/a/pair-2"));
    }

    private void BuildSpecial()
    {
        AddDirectory("special");
        fs.CreateSpecial(Create(Fifo), FileKind.Fifo, Octal("640"), 0);
        fs.CreateSpecial(Create(Socket), FileKind.Socket, Octal("755"), 0);
        if (IsPrivileged)
        {
            fs.CreateSpecial(Create(BlockDevice), FileKind.BlockDevice, Octal("660"), DeviceNumber.Make(7, 200));
            fs.CreateSpecial(Create(CharDevice), FileKind.CharDevice, Octal("666"), DeviceNumber.Make(1, 3));
        }
    }

    private void BuildModes()
    {
        AddDirectory("modes");
        AddFile(SetuidFile, "#!/bin/sh\n"u8.ToArray(), Octal("4755"));
        AddFile("modes/setgid", "#!/bin/sh\n"u8.ToArray(), Octal("2755"));
        AddFile("modes/all-special-bits", [1], Octal("7777"));
        AddFile("modes/no-permissions", [2], Octal("000"));
        AddFile("modes/read-only", [3], Octal("444"));
        AddFile("modes/group-writable", [4], Octal("664"));
        AddDirectory(StickyDirectory, Octal("1777"));
        AddDirectory("modes/setgid-dir", Octal("2775"));
        AddDirectory("modes/read-only-dir", Octal("555"));
        AddFile("modes/read-only-dir/inside", [5]);
    }

    private void BuildOwners()
    {
        AddDirectory("owners");
        AddFile(NobodyFile, [1]);
        AddFile(NumericOwnerFile, [2]);
        AddFile("owners/root-group-4242", [3]);
        AddDirectory("owners/nobody-dir");
        AddFile("owners/nobody-dir/setgid-nobody", [4]);
        AddSymlink("nobody", "owners/nobody-link");
        if (IsPrivileged)
        {
            fs.SetOwner(PathOf(NobodyFile), NobodyId, NobodyId);
            fs.SetOwner(PathOf(NumericOwnerFile), UnnamedId, UnnamedId);
            fs.SetOwner(PathOf("owners/root-group-4242"), 0, UnnamedId);
            fs.SetOwner(PathOf("owners/nobody-dir"), NobodyId, NobodyId);
            fs.SetOwner(PathOf("owners/nobody-link"), NobodyId, UnnamedId);

            // chown clears set-id bits, so they are set after it.
            fs.SetOwner(PathOf("owners/nobody-dir/setgid-nobody"), NobodyId, UnnamedId);
            fs.SetPermissions(PathOf("owners/nobody-dir/setgid-nobody"), Octal("2750"));
        }
    }

    private void BuildAttributes()
    {
        AddDirectory("xattrs");
        AddFile(TextAttributeFile, [1]);
        fs.SetExtendedAttribute(PathOf(TextAttributeFile), "user.comment", Encoding.UTF8.GetBytes($"seed {Seed}: Grüße"));
        fs.SetExtendedAttribute(PathOf(TextAttributeFile), "user.mime_type", "text/plain"u8.ToArray());
        AddFile(BinaryAttributeFile, [2]);
        fs.SetExtendedAttribute(PathOf(BinaryAttributeFile), "user.binary", [0, .. RandomBytes(200), 0, 0xff]);
        fs.SetExtendedAttribute(PathOf(BinaryAttributeFile), "user.empty", []);
        AddDirectory("xattrs/dir-with-attribute");
        fs.SetExtendedAttribute(PathOf("xattrs/dir-with-attribute"), "user.dir", "on a directory"u8.ToArray());

        AddFile(AclFile, "acl\n"u8.ToArray(), Octal("640"));
        fs.SetExtendedAttribute(PathOf(AclFile), "system.posix_acl_access", Acl(
            (AclUserObj, 6, AclUndefinedId),
            (AclUser, 4, NobodyId),
            (AclGroupObj, 4, AclUndefinedId),
            (AclGroup, 6, UnnamedId),
            (AclMask, 6, AclUndefinedId),
            (AclOther, 0, AclUndefinedId)));

        AddDirectory(AclDirectory, Octal("750"));
        fs.SetExtendedAttribute(PathOf(AclDirectory), "system.posix_acl_access", Acl(
            (AclUserObj, 7, AclUndefinedId),
            (AclUser, 5, NobodyId),
            (AclGroupObj, 5, AclUndefinedId),
            (AclMask, 5, AclUndefinedId),
            (AclOther, 0, AclUndefinedId)));
        fs.SetExtendedAttribute(PathOf(AclDirectory), "system.posix_acl_default", Acl(
            (AclUserObj, 7, AclUndefinedId),
            (AclUser, 7, NobodyId),
            (AclGroupObj, 5, AclUndefinedId),
            (AclGroup, 5, UnnamedId),
            (AclMask, 7, AclUndefinedId),
            (AclOther, 0, AclUndefinedId)));
        AddFile(AclDirectory + "/inherits", [3]);
    }

    private void BuildNames()
    {
        AddDirectory(NamesDirectory);
        foreach (var name in OddNames)
        {
            AddFile(NamesDirectory + "/" + PathEncoding.Decode(name), name);
        }

        var oddDirectory = NamesDirectory + "/" + PathEncoding.Decode([(byte)'d', (byte)'i', (byte)'r', 0xfe, (byte)'\n']);
        AddDirectory(oddDirectory);
        AddFile(oddDirectory + "/inside", "inside an oddly named directory\n"u8.ToArray());
    }

    /// <summary>Times go last, directories deepest first, so that creating entries does not move them again.</summary>
    private void SetTimesLast()
    {
        foreach (var path in nonDirectories)
        {
            fs.SetTimes(PathOf(path), RandomTime(), RandomTime());
        }

        foreach (var path in directories.OrderByDescending(p => p.Count(c => c == '/')).ThenByDescending(p => p.Length).ThenBy(p => p, StringComparer.Ordinal))
        {
            // Restrictive directory modes wait until nothing more is created inside.
            fs.SetPermissions(PathOf(path), directoryPermissions[path]);
            fs.SetTimes(PathOf(path), RandomTime(), RandomTime());
        }
    }

    private Timespec RandomTime()
    {
        // 2001..2033, with nanoseconds that survive only a precise copy.
        var seconds = 1_000_000_000L + random.NextInt64(0, 1_000_000_000L);
        return new Timespec(seconds, (uint)random.Next(0, 1_000_000_000));
    }

    private void AddDirectory(string path, uint permissions = 0x1ED /* 0755 */)
    {
        fs.CreateDirectory(PathOf(path), Octal("700"));
        directories.Add(path);
        directoryPermissions[path] = permissions;
    }

    private void AddFile(string path, byte[] content, uint permissions = 0x1A4 /* 0644 */)
    {
        using (var handle = fs.CreateFile(Create(path), Octal("600")))
        {
            RandomAccess.Write(handle, content, 0);
        }

        fs.SetPermissions(PathOf(path), permissions);
    }

    private void AddSymlink(string target, string path)
    {
        fs.CreateSymlink(target, Create(path));
    }

    private void WriteChunked(string path, long size, Func<int, bool> isRandom)
    {
        using var handle = fs.CreateFile(Create(path), Octal("644"));
        var buffer = new byte[MiB];
        for (var (offset, chunk) = (0L, 0); offset < size; offset += MiB, chunk++)
        {
            var length = (int)Math.Min(MiB, size - offset);
            if (isRandom(chunk))
            {
                random.NextBytes(buffer.AsSpan(0, length));
            }
            else
            {
                Array.Clear(buffer);
            }

            RandomAccess.Write(handle, buffer.AsSpan(0, length), offset);
        }
    }

    /// <summary>Registers a new non-directory entry (for the final times pass) and returns its full path.</summary>
    private string Create(string relative)
    {
        nonDirectories.Add(relative);
        return PathOf(relative);
    }

    private byte[] RandomBytes(int count)
    {
        var bytes = new byte[count];
        random.NextBytes(bytes);
        return bytes;
    }

    private static byte[] Acl(params (ushort Tag, ushort Permissions, uint Id)[] entries)
    {
        var value = new byte[4 + (8 * entries.Length)];
        BinaryPrimitives.WriteUInt32LittleEndian(value, 2); // POSIX_ACL_XATTR_VERSION
        for (var i = 0; i < entries.Length; i++)
        {
            var entry = value.AsSpan(4 + (8 * i));
            BinaryPrimitives.WriteUInt16LittleEndian(entry, entries[i].Tag);
            BinaryPrimitives.WriteUInt16LittleEndian(entry[2..], entries[i].Permissions);
            BinaryPrimitives.WriteUInt32LittleEndian(entry[4..], entries[i].Id);
        }

        return value;
    }

    private static uint Octal(string digits) => Convert.ToUInt32(digits, 8);
}
