using System.Buffers;
using System.Runtime.InteropServices;

namespace Backup.Linux.Btrfs;

/// <summary>
/// Walks a range of keys of one btrfs tree with BTRFS_IOC_TREE_SEARCH_V2, many items per call.
/// The range is one of whole keys ordered by (objectid, type, offset), not a filter on each field:
/// items of every type between the first and the last key come back, so visitors check the type.
/// </summary>
internal static class TreeSearch
{
    private const int BufferSize = 64 * 1024;
    private const int MaximumBufferSize = 16 * 1024 * 1024;
    private const int EOVERFLOW = 75;

    internal delegate void ItemVisitor(in BtrfsIoctl.SearchHeader header, ReadOnlySpan<byte> item);

    internal readonly record struct Key(ulong ObjectId, byte Type, ulong Offset)
    {
        /// <summary>The next possible key, or null after the largest one.</summary>
        internal Key? Successor() =>
            Offset != ulong.MaxValue ? this with { Offset = Offset + 1 } :
            Type != byte.MaxValue ? new Key(ObjectId, (byte)(Type + 1), 0) :
            ObjectId != ulong.MaxValue ? new Key(ObjectId + 1, 0, 0) :
            null;
    }

    /// <param name="treeId">The tree to search; 0 is the subvolume of the descriptor.</param>
    /// <param name="minTransid">Skips tree blocks last written before this transaction (items in newer
    /// blocks still come back whatever their own age).</param>
    internal static unsafe void Run(int fd, string path, ulong treeId, Key first, Key last, ulong minTransid, ItemVisitor visitor)
    {
        var size = BufferSize;
        var buffer = ArrayPool<byte>.Shared.Rent(BtrfsIoctl.SearchArgsV2Size + size);
        try
        {
            Key? next = first;
            while (next is { } from && Compare(from, last) <= 0)
            {
                var key = new BtrfsIoctl.SearchKey
                {
                    TreeId = treeId,
                    MinObjectId = from.ObjectId,
                    MinType = from.Type,
                    MinOffset = from.Offset,
                    MaxObjectId = last.ObjectId,
                    MaxType = last.Type,
                    MaxOffset = last.Offset,
                    MinTransid = minTransid,
                    MaxTransid = ulong.MaxValue,
                    ItemCount = uint.MaxValue,
                };
                MemoryMarshal.Write(buffer, in key);
                MemoryMarshal.Write(buffer.AsSpan(BtrfsIoctl.SearchKeySize), (ulong)size);

                int result;
                fixed (byte* arguments = buffer)
                {
                    result = Interop.Ioctl(fd, BtrfsIoctl.TreeSearchV2, arguments);
                }

                if (result < 0)
                {
                    var errno = Marshal.GetLastPInvokeError();
                    if (errno == Interop.Errors.EINTR)
                    {
                        continue;
                    }

                    // One item larger than the buffer: the kernel says how much it needs.
                    var needed = MemoryMarshal.Read<ulong>(buffer.AsSpan(BtrfsIoctl.SearchKeySize));
                    if (errno == EOVERFLOW && needed > (ulong)size && needed <= MaximumBufferSize)
                    {
                        ArrayPool<byte>.Shared.Return(buffer);
                        size = (int)needed;
                        buffer = ArrayPool<byte>.Shared.Rent(BtrfsIoctl.SearchArgsV2Size + size);
                        continue;
                    }

                    throw new BtrfsException("ioctl BTRFS_IOC_TREE_SEARCH_V2", path, errno, $"tree {treeId}");
                }

                var count = MemoryMarshal.Read<BtrfsIoctl.SearchKey>(buffer).ItemCount;
                if (count == 0)
                {
                    break;
                }

                var items = buffer.AsSpan(BtrfsIoctl.SearchArgsV2Size, size);
                var position = 0;
                Key lastSeen = from;
                for (var i = 0u; i < count; i++)
                {
                    var header = MemoryMarshal.Read<BtrfsIoctl.SearchHeader>(items[position..]);
                    position += BtrfsIoctl.SearchHeaderSize;
                    visitor(in header, items.Slice(position, (int)header.Length));
                    position += (int)header.Length;
                    lastSeen = new Key(header.ObjectId, (byte)header.Type, header.Offset);
                }

                next = lastSeen.Successor();
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static int Compare(Key a, Key b) =>
        a.ObjectId != b.ObjectId ? a.ObjectId.CompareTo(b.ObjectId) :
        a.Type != b.Type ? a.Type.CompareTo(b.Type) :
        a.Offset.CompareTo(b.Offset);
}
