using System.Runtime.InteropServices;
using Backup.Core.FileSystem;

namespace Backup.Linux.Fanotify;

/// <summary>
/// Walks the records read(2) returns from a fanotify group (fanotify(7)):
/// struct fanotify_event_metadata { u32 event_len; u8 vers; u8 reserved; u16 metadata_len; u64 mask; s32 fd; s32 pid; }
/// followed by information records up to event_len, each starting with { u8 info_type; u8 pad; u16 len; }.
/// </summary>
public static class FanotifyEventParser
{
    /// <summary>FANOTIFY_METADATA_VERSION.</summary>
    public const byte MetadataVersion = 3;

    /// <summary>sizeof(struct fanotify_event_metadata).</summary>
    public const int MetadataSize = 24;

    private const int InfoHeaderSize = 4;

    /// <summary>Header, fsid and the fixed part of struct file_handle of a file-handle record.</summary>
    private const int FidRecordFixedSize = 20;

    /// <summary>Header, padding and u64 mnt_id of a mount record.</summary>
    private const int MntRecordSize = 16;

    /// <summary>
    /// Appends the events in the buffer to <paramref name="into"/>. Event descriptors (fd ≥ 0, never the case
    /// in file-handle mode) are closed. On malformed input the events before the bad one stay in the list.
    /// </summary>
    /// <exception cref="FanotifyFormatException">The buffer is truncated or not in the version 3 layout.</exception>
    public static void Parse(ReadOnlySpan<byte> buffer, List<FanotifyEvent> into)
    {
        ArgumentNullException.ThrowIfNull(into);
        var offset = 0;
        while (offset < buffer.Length)
        {
            var remaining = buffer.Length - offset;
            if (remaining < MetadataSize)
            {
                throw new FanotifyFormatException(offset, $"only {remaining} bytes left, too few for the {MetadataSize}-byte event metadata");
            }

            var metadata = buffer[offset..];
            var eventLength = Read<uint>(metadata, 0);
            var version = metadata[4];
            var metadataLength = Read<ushort>(metadata, 6);
            if (version != MetadataVersion)
            {
                throw new FanotifyFormatException(offset, $"metadata version {version}, expected {MetadataVersion} (kernel and parser disagree on the layout)");
            }

            if (metadataLength < MetadataSize)
            {
                throw new FanotifyFormatException(offset, $"metadata_len {metadataLength} is shorter than the {MetadataSize}-byte metadata");
            }

            if (eventLength < metadataLength)
            {
                throw new FanotifyFormatException(offset, $"event_len {eventLength} is shorter than metadata_len {metadataLength}");
            }

            if (eventLength > remaining)
            {
                throw new FanotifyFormatException(offset, $"event_len {eventLength} runs past the end of the buffer ({remaining} bytes left)");
            }

            var mask = (FanotifyMask)Read<ulong>(metadata, 8);
            var fd = Read<int>(metadata, 16);
            var pid = Read<int>(metadata, 20);
            if (fd >= 0)
            {
                Interop.Close(fd);
            }

            var infos = ParseInfos(metadata[metadataLength..(int)eventLength], offset + metadataLength);
            into.Add(new FanotifyEvent { Mask = mask, Pid = pid, Infos = infos });
            offset += (int)eventLength;
        }
    }

    private static List<FanotifyInfo> ParseInfos(ReadOnlySpan<byte> records, int baseOffset)
    {
        var infos = new List<FanotifyInfo>(records.IsEmpty ? 0 : 3);
        var position = 0;
        while (position < records.Length)
        {
            var at = baseOffset + position;
            var left = records.Length - position;
            if (left < InfoHeaderSize)
            {
                throw new FanotifyFormatException(at, $"only {left} bytes left in the event, too few for an information record header");
            }

            var type = (FanotifyInfoType)records[position];
            int length = Read<ushort>(records, position + 2);
            if (length < InfoHeaderSize || length > left)
            {
                throw new FanotifyFormatException(at, $"information record of type {(byte)type} has len {length}, outside {InfoHeaderSize}..{left} (the bytes left in the event)");
            }

            var record = records.Slice(position, length);
            infos.Add(type switch
            {
                FanotifyInfoType.Fid or FanotifyInfoType.Dfid => ParseFid(type, record, at, named: false),
                FanotifyInfoType.DfidName or FanotifyInfoType.OldDfidName or FanotifyInfoType.NewDfidName => ParseFid(type, record, at, named: true),
                FanotifyInfoType.Mnt => ParseMnt(record, at),
                _ => new FanotifyInfo(type, default, null, null, 0),
            });
            position += length;
        }

        return infos;
    }

    /// <summary>struct fanotify_event_info_fid: header, __kernel_fsid_t fsid, struct file_handle, then for the named types a NUL-terminated name.</summary>
    private static FanotifyInfo ParseFid(FanotifyInfoType type, ReadOnlySpan<byte> record, int at, bool named)
    {
        if (record.Length < FidRecordFixedSize)
        {
            throw new FanotifyFormatException(at, $"{type} record of {record.Length} bytes is shorter than the {FidRecordFixedSize} bytes of header, fsid and file_handle");
        }

        var fsid = Fsid.FromWords(Read<int>(record, 4), Read<int>(record, 8));
        var handleBytes = Read<uint>(record, 12);
        var handleType = Read<int>(record, 16);
        if (handleBytes > (uint)(record.Length - FidRecordFixedSize))
        {
            throw new FanotifyFormatException(at, $"{type} record says handle_bytes {handleBytes}, but only {record.Length - FidRecordFixedSize} bytes follow");
        }

        var handleEnd = FidRecordFixedSize + (int)handleBytes;
        var handle = new FileHandle(handleType, record[FidRecordFixedSize..handleEnd]);
        string? name = null;
        if (named)
        {
            var tail = record[handleEnd..];
            var terminator = tail.IndexOf((byte)0);
            if (terminator < 0)
            {
                throw new FanotifyFormatException(at, $"{type} record has no NUL-terminated name after its {handleBytes}-byte handle");
            }

            name = PathEncoding.Decode(tail[..terminator]);
        }

        return new FanotifyInfo(type, fsid, handle, name, 0);
    }

    /// <summary>struct fanotify_event_info_mnt: header, 4 bytes of padding, u64 mnt_id.</summary>
    private static FanotifyInfo ParseMnt(ReadOnlySpan<byte> record, int at)
    {
        if (record.Length < MntRecordSize)
        {
            throw new FanotifyFormatException(at, $"Mnt record of {record.Length} bytes is shorter than {MntRecordSize}");
        }

        return new FanotifyInfo(FanotifyInfoType.Mnt, default, null, null, Read<ulong>(record, 8));
    }

    /// <summary>The kernel writes the records in host byte order.</summary>
    private static T Read<T>(ReadOnlySpan<byte> span, int offset)
        where T : unmanaged => MemoryMarshal.Read<T>(span[offset..]);
}
