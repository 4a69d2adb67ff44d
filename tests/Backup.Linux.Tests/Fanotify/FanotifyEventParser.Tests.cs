using System.Buffers.Binary;
using Backup.Core.FileSystem;
using Backup.Linux.Fanotify;

namespace Backup.Linux.Tests.Fanotify;

/// <summary>The parser on hand-built buffers in the kernel's version 3 layout (host byte order is little-endian here).</summary>
public sealed class FanotifyEventParserTests
{
    private const ulong FsidValue = 0x1122334455667788;
    private static readonly byte[] DirHandle = [1, 2, 3, 4, 5, 6, 7, 8];
    private static readonly byte[] OtherHandle = [9, 9, 9, 9, 0, 0, 0, 1];

    [Fact]
    public void DfidNameRecordGivesDirectoryHandleFsidAndName()
    {
        var buffer = Event(FanotifyMask.Create | FanotifyMask.OnDir, 4242, FidRecord(2, DirHandle, "newdir"u8));

        var events = Parse(buffer);

        var e = Assert.Single(events);
        Assert.Equal(FanotifyMask.Create | FanotifyMask.OnDir, e.Mask);
        Assert.Equal(4242, e.Pid);
        var info = Assert.Single(e.Infos);
        Assert.Equal(FanotifyInfoType.DfidName, info.Type);
        Assert.Equal(new Fsid(FsidValue), info.Fsid);
        Assert.Equal(new FileHandle(1, DirHandle), info.Handle);
        Assert.Equal("newdir", info.Name);
        Assert.Equal(0UL, info.MountId);
    }

    [Fact]
    public void RenameCarriesOldAndNewDirectoryWithNamesAndTheChildFid()
    {
        var buffer = Event(
            FanotifyMask.Rename,
            7,
            FidRecord(10, DirHandle, "before"u8),
            FidRecord(12, OtherHandle, "after"u8),
            FidRecord(1, [5, 5, 5, 5, 5, 5, 5, 5], default, named: false));

        var e = Assert.Single(Parse(buffer));

        Assert.Equal(FanotifyMask.Rename, e.Mask);
        Assert.Equal([FanotifyInfoType.OldDfidName, FanotifyInfoType.NewDfidName, FanotifyInfoType.Fid], e.Infos.Select(i => i.Type));
        Assert.Equal("before", e.Find(FanotifyInfoType.OldDfidName)!.Value.Name);
        Assert.Equal(new FileHandle(1, DirHandle), e.Find(FanotifyInfoType.OldDfidName)!.Value.Handle);
        Assert.Equal("after", e.Find(FanotifyInfoType.NewDfidName)!.Value.Name);
        Assert.Equal(new FileHandle(1, OtherHandle), e.Find(FanotifyInfoType.NewDfidName)!.Value.Handle);
        Assert.Null(e.Find(FanotifyInfoType.Fid)!.Value.Name);
    }

    [Fact]
    public void FidOnlyEventHasNoName()
    {
        var e = Assert.Single(Parse(Event(FanotifyMask.Modify | FanotifyMask.CloseWrite, 1, FidRecord(1, DirHandle, default, named: false))));

        var info = Assert.Single(e.Infos);
        Assert.Equal(FanotifyInfoType.Fid, info.Type);
        Assert.Null(info.Name);
        Assert.Equal(DirHandle, info.Handle!.Bytes.ToArray());
    }

    [Fact]
    public void OverflowIsMetadataOnlyAndFollowingEventsStillParse()
    {
        var buffer = Concat(
            Event(FanotifyMask.QueueOverflow, 0),
            Event(FanotifyMask.Delete, 3, FidRecord(2, DirHandle, "x"u8)));

        var events = Parse(buffer);

        Assert.Equal(24, BinaryPrimitives.ReadInt32LittleEndian(buffer));
        Assert.Equal(2, events.Count);
        Assert.Equal(FanotifyMask.QueueOverflow, events[0].Mask);
        Assert.Empty(events[0].Infos);
        Assert.Equal("x", events[1].Infos[0].Name);
    }

    [Fact]
    public void NameWithInvalidUtf8RoundTripsThroughPathEncoding()
    {
        byte[] raw = [(byte)'a', 0xff, 0xfe, (byte)'b', 0xc3];
        var e = Assert.Single(Parse(Event(FanotifyMask.Create, 1, FidRecord(2, DirHandle, raw))));

        var name = e.Infos[0].Name!;
        Assert.Equal(raw, PathEncoding.Encode(name));
        Assert.NotEqual("a\uFFFD\uFFFDb\uFFFD", name);
    }

    [Fact]
    public void MountRecordGivesTheMountId()
    {
        var mnt = new byte[16];
        mnt[0] = 7;
        BinaryPrimitives.WriteUInt16LittleEndian(mnt.AsSpan(2), 16);
        BinaryPrimitives.WriteUInt64LittleEndian(mnt.AsSpan(8), 0x80000000_0000002E);

        var e = Assert.Single(Parse(Event(FanotifyMask.MntAttach, 1, mnt)));

        Assert.Equal(new FanotifyInfo(FanotifyInfoType.Mnt, default, null, null, 0x80000000_0000002E), e.Infos[0]);
    }

    [Fact]
    public void PaddedRecordsAreSkippedByTheirLength()
    {
        var padded = FidRecord(2, DirHandle, "n"u8);
        Array.Resize(ref padded, padded.Length + 7);
        BinaryPrimitives.WriteUInt16LittleEndian(padded.AsSpan(2), (ushort)padded.Length);

        var e = Assert.Single(Parse(Event(FanotifyMask.Attrib, 1, padded, FidRecord(1, OtherHandle, default, named: false))));

        Assert.Equal([FanotifyInfoType.DfidName, FanotifyInfoType.Fid], e.Infos.Select(i => i.Type));
        Assert.Equal("n", e.Infos[0].Name);
    }

    [Fact]
    public void WrongVersionIsRejected()
    {
        var buffer = Event(FanotifyMask.Create, 1, FidRecord(2, DirHandle, "x"u8));
        buffer[4] = 2;

        var error = Assert.Throws<FanotifyFormatException>(() => Parse(buffer));

        Assert.Contains("version 2", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, error.Offset);
    }

    [Fact]
    public void TruncatedMetadataIsRejectedWithItsOffset()
    {
        var buffer = Concat(Event(FanotifyMask.QueueOverflow, 0), new byte[10]);

        var error = Assert.Throws<FanotifyFormatException>(() => Parse(buffer));

        Assert.Equal(24, error.Offset);
        Assert.Contains("offset 24", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EventLengthBeyondTheBufferIsRejected()
    {
        var buffer = Event(FanotifyMask.Create, 1, FidRecord(2, DirHandle, "x"u8));

        var error = Assert.Throws<FanotifyFormatException>(() => Parse(buffer.AsSpan(0, buffer.Length - 4).ToArray()));

        Assert.Contains("runs past the end", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(23, "metadata_len 23")]
    [InlineData(200, "shorter than metadata_len")]
    public void InconsistentMetadataLengthIsRejected(int metadataLength, string expected)
    {
        var buffer = Event(FanotifyMask.Create, 1, FidRecord(2, DirHandle, "x"u8));
        BinaryPrimitives.WriteUInt16LittleEndian(buffer.AsSpan(6), (ushort)metadataLength);

        var error = Assert.Throws<FanotifyFormatException>(() => Parse(buffer));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RecordLengthBeyondTheEventIsRejected()
    {
        var record = FidRecord(2, DirHandle, "x"u8);
        BinaryPrimitives.WriteUInt16LittleEndian(record.AsSpan(2), (ushort)(record.Length + 8));

        var error = Assert.Throws<FanotifyFormatException>(() => Parse(Event(FanotifyMask.Create, 1, record)));

        Assert.Equal(24, error.Offset);
        Assert.Contains("len", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ZeroRecordLengthIsRejectedRatherThanLoopingForever()
    {
        var record = FidRecord(2, DirHandle, "x"u8);
        BinaryPrimitives.WriteUInt16LittleEndian(record.AsSpan(2), 0);

        Assert.Throws<FanotifyFormatException>(() => Parse(Event(FanotifyMask.Create, 1, record)));
    }

    [Fact]
    public void HandleLongerThanItsRecordIsRejected()
    {
        var record = FidRecord(2, DirHandle, "x"u8);
        BinaryPrimitives.WriteUInt32LittleEndian(record.AsSpan(12), 64);

        var error = Assert.Throws<FanotifyFormatException>(() => Parse(Event(FanotifyMask.Create, 1, record)));

        Assert.Contains("handle_bytes 64", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NameWithoutTerminatorIsRejected()
    {
        var record = FidRecord(2, DirHandle, "abc"u8);
        record[^1] = (byte)'d';

        var error = Assert.Throws<FanotifyFormatException>(() => Parse(Event(FanotifyMask.Create, 1, record)));

        Assert.Contains("NUL-terminated", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RecordHeaderCutShortIsRejected()
    {
        var buffer = Event(FanotifyMask.Create, 1, [2, 0]);

        var error = Assert.Throws<FanotifyFormatException>(() => Parse(buffer));

        Assert.Equal(24, error.Offset);
    }

    [Fact]
    public void EventsBeforeAMalformedOneAreKept()
    {
        var bad = Event(FanotifyMask.Create, 1);
        bad[4] = 9;
        var into = new List<FanotifyEvent>();

        Assert.Throws<FanotifyFormatException>(() => FanotifyEventParser.Parse(Concat(Event(FanotifyMask.QueueOverflow, 0), bad), into));

        Assert.Equal(FanotifyMask.QueueOverflow, Assert.Single(into).Mask);
    }

    [Fact]
    public unsafe void EventDescriptorIsClosed()
    {
        using var temp = new Backup.TestSupport.TemporaryDirectory();
        var marker = temp["event-file"];
        File.WriteAllText(marker, string.Empty);
        var path = System.Text.Encoding.UTF8.GetBytes(marker + "\0");
        int fd;
        fixed (byte* p = path)
        {
            fd = Interop.Open(p, Interop.OpenFlags.O_RDONLY | Interop.OpenFlags.O_CLOEXEC, 0);
        }

        Assert.True(fd >= 0);
        Assert.Equal(marker, Target(fd));
        var buffer = Event(FanotifyMask.CloseWrite, 1);
        BinaryPrimitives.WriteInt32LittleEndian(buffer.AsSpan(16), fd);

        Parse(buffer);

        // The number may have been reused by another test meanwhile, but not for this file.
        Assert.NotEqual(marker, Target(fd));

        static string? Target(int fd)
        {
            try
            {
                return new FileInfo($"/proc/self/fd/{fd}").LinkTarget;
            }
            catch (IOException)
            {
                return null;
            }
        }
    }

    private static List<FanotifyEvent> Parse(byte[] buffer)
    {
        var events = new List<FanotifyEvent>();
        FanotifyEventParser.Parse(buffer, events);
        return events;
    }

    /// <summary>struct fanotify_event_metadata with fd = FAN_NOFD, followed by the records.</summary>
    private static byte[] Event(FanotifyMask mask, int pid, params byte[][] records)
    {
        var length = 24 + records.Sum(r => r.Length);
        var buffer = new byte[length];
        BinaryPrimitives.WriteUInt32LittleEndian(buffer, (uint)length);
        buffer[4] = 3;
        BinaryPrimitives.WriteUInt16LittleEndian(buffer.AsSpan(6), 24);
        BinaryPrimitives.WriteUInt64LittleEndian(buffer.AsSpan(8), (ulong)mask);
        BinaryPrimitives.WriteInt32LittleEndian(buffer.AsSpan(16), -1);
        BinaryPrimitives.WriteInt32LittleEndian(buffer.AsSpan(20), pid);
        var offset = 24;
        foreach (var record in records)
        {
            record.CopyTo(buffer, offset);
            offset += record.Length;
        }

        return buffer;
    }

    /// <summary>struct fanotify_event_info_fid with handle type 1, padded to 4 bytes like the kernel does.</summary>
    private static byte[] FidRecord(byte type, byte[] handle, ReadOnlySpan<byte> name, bool named = true)
    {
        var unpadded = 20 + handle.Length + (named ? name.Length + 1 : 0);
        var length = (unpadded + 3) & ~3;
        var record = new byte[length];
        record[0] = type;
        BinaryPrimitives.WriteUInt16LittleEndian(record.AsSpan(2), (ushort)length);
        BinaryPrimitives.WriteUInt64LittleEndian(record.AsSpan(4), FsidValue);
        BinaryPrimitives.WriteUInt32LittleEndian(record.AsSpan(12), (uint)handle.Length);
        BinaryPrimitives.WriteInt32LittleEndian(record.AsSpan(16), 1);
        handle.CopyTo(record, 20);
        if (named)
        {
            name.CopyTo(record.AsSpan(20 + handle.Length));
        }

        return record;
    }

    private static byte[] Concat(params byte[][] parts) => [.. parts.SelectMany(p => p)];
}
