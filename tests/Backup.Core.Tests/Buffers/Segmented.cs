using System.Buffers;
using Backup.Core.Buffers;

namespace Backup.Core.Tests.Buffers;

/// <summary>Builds <see cref="SegmentedBuffer"/>s from plain bytes for tests.</summary>
internal static class Segmented
{
    public static SegmentedBuffer From(ReadOnlySpan<byte> bytes, ArrayPool<byte>? pool = null)
    {
        var buffer = new SegmentedBuffer(pool ?? ArrayPool<byte>.Shared);
        for (var offset = 0; offset < bytes.Length; offset += SegmentedBuffer.SegmentSize)
        {
            var piece = bytes[offset..Math.Min(bytes.Length, offset + SegmentedBuffer.SegmentSize)];
            piece.CopyTo(buffer.AddSegment().Span);
        }

        buffer.SetLength(bytes.Length);
        return buffer;
    }
}
