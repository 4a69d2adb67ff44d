using Backup.Core.Buffers;
using Backup.Core.Interop;

namespace Backup.Core.Compression;

/// <summary>
/// zstd through the system's libzstd. Each call produces one standard frame with the content size
/// and no checksum, which is what restic writes and reads. Contexts are kept per thread because
/// creating one costs more than compressing a small blob.
/// </summary>
public static unsafe class ZstdCodec
{
    public const int DefaultLevel = 3;

    private static readonly System.Collections.Concurrent.ConcurrentBag<ContextPair> Contexts = new();

    public static int MaxCompressedLength(int length) => checked((int)Interop.Zstd.CompressBound((nuint)length));

    public static int Compress(ReadOnlySpan<byte> source, Span<byte> destination, int level = DefaultLevel)
    {
        var contexts = Rent();
        nuint written;
        try
        {
            fixed (byte* src = source)
            fixed (byte* dst = destination)
            {
                written = Interop.Zstd.CompressCCtx(contexts.Compressor, dst, (nuint)destination.Length, src, (nuint)source.Length, level);
            }
        }
        finally
        {
            Contexts.Add(contexts);
        }

        ThrowIfError(written, "compress");
        return (int)written;
    }

    /// <summary>
    /// Compresses segmented data into one frame like the other overloads make, appended to <paramref name="destination"/>'s
    /// segments. Returns the compressed length, or -1 as soon as it would exceed <paramref name="limit"/> bytes; the
    /// destination is then left empty. Nothing needs the data in one piece, so no chunk-sized buffer is allocated.
    /// </summary>
    public static int Compress(SegmentedBuffer source, SegmentedBuffer destination, int limit, int level = DefaultLevel)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(destination);
        if (destination.Length != 0)
        {
            throw new ArgumentException("the destination must be empty", nameof(destination));
        }

        var contexts = Rent();
        try
        {
            var cctx = contexts.Compressor;
            ThrowIfError(Interop.Zstd.CCtxReset(cctx, Interop.Zstd.ResetSessionAndParameters), "reset");
            ThrowIfError(Interop.Zstd.CCtxSetParameter(cctx, Interop.Zstd.CompressionLevelParameter, level), "set level");
            ThrowIfError(Interop.Zstd.CCtxSetPledgedSrcSize(cctx, (ulong)source.Length), "set source size");

            var segment = Memory<byte>.Empty; // the output segment being filled
            var filled = 0;
            long full = 0; // output bytes in the segments before it
            for (var i = 0; i <= source.SegmentCount; i++)
            {
                // One pass per input segment, then one with no input that ends the frame.
                var last = i == source.SegmentCount;
                var piece = last ? Memory<byte>.Empty : source.Segment(i);
                nuint position = 0, remaining;
                do
                {
                    if (filled == segment.Length)
                    {
                        full += filled;
                        if (full >= limit)
                        {
                            destination.SetLength(0);
                            return -1;
                        }

                        segment = destination.AddSegment();
                        filled = 0;
                    }

                    fixed (byte* src = piece.Span)
                    fixed (byte* dst = segment.Span)
                    {
                        var input = new Interop.Zstd.InBuffer { Source = src, Size = (nuint)piece.Length, Position = position };
                        var output = new Interop.Zstd.OutBuffer { Destination = dst, Size = (nuint)segment.Length, Position = (nuint)filled };
                        remaining = Interop.Zstd.CompressStream2(cctx, &output, &input, last ? Interop.Zstd.EndFrame : Interop.Zstd.EndContinue);
                        position = input.Position;
                        filled = (int)output.Position;
                    }

                    ThrowIfError(remaining, "compress");
                    if (full + filled > limit)
                    {
                        destination.SetLength(0);
                        return -1;
                    }
                }
                while (last ? remaining != 0 : position < (nuint)piece.Length);
            }

            var length = checked((int)(full + filled));
            destination.SetLength(length);
            return length;
        }
        finally
        {
            Contexts.Add(contexts);
        }
    }

    public static byte[] Compress(ReadOnlySpan<byte> source, int level = DefaultLevel)
    {
        var buffer = new byte[MaxCompressedLength(source.Length)];
        var n = Compress(source, buffer, level);
        return buffer.AsSpan(0, n).ToArray();
    }

    /// <summary>Decompresses one or more frames into exactly <paramref name="destination"/>; returns the bytes written.</summary>
    public static int Decompress(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        var contexts = Rent();
        nuint written;
        try
        {
            fixed (byte* src = source)
            fixed (byte* dst = destination)
            {
                written = Interop.Zstd.DecompressDCtx(contexts.Decompressor, dst, (nuint)destination.Length, src, (nuint)source.Length);
            }
        }
        finally
        {
            Contexts.Add(contexts);
        }

        ThrowIfError(written, "decompress");
        return (int)written;
    }

    /// <summary>Decompresses frames whose total size is recorded in their headers (as restic and we write them).</summary>
    public static byte[] Decompress(ReadOnlySpan<byte> source, int maxLength = 1 << 30)
    {
        ulong size;
        fixed (byte* src = source)
        {
            size = Interop.Zstd.FindDecompressedSize(src, (nuint)source.Length);
        }

        if (size == Interop.Zstd.ContentSizeError)
        {
            throw new InvalidDataException("zstd data is corrupt: its frame headers cannot be read");
        }

        if (size == Interop.Zstd.ContentSizeUnknown)
        {
            return DecompressUnknownSize(source, maxLength);
        }

        if (size > (ulong)maxLength)
        {
            throw new InvalidDataException($"zstd data claims {size} bytes, more than the {maxLength} allowed here");
        }

        var result = new byte[size];
        var n = Decompress(source, result);
        if (n != result.Length)
        {
            throw new InvalidDataException($"zstd data decompressed to {n} bytes, its header said {size}");
        }

        return result;
    }

    private static byte[] DecompressUnknownSize(ReadOnlySpan<byte> source, int maxLength)
    {
        // Frames without a content size are legal zstd; grow the buffer until the data fits.
        var capacity = Math.Max(source.Length * 4, 4096);
        while (true)
        {
            var buffer = new byte[capacity];
            try
            {
                var n = Decompress(source, buffer);
                return buffer.AsSpan(0, n).ToArray();
            }
            catch (InvalidDataException) when (capacity < maxLength)
            {
                capacity = (int)Math.Min((long)capacity * 4, maxLength);
            }
        }
    }

    private static ContextPair Rent() => Contexts.TryTake(out var contexts) ? contexts : new ContextPair();

    private static void ThrowIfError(nuint code, string operation)
    {
        if (Interop.Zstd.IsError(code) != 0)
        {
            throw new InvalidDataException($"zstd {operation} failed: {Interop.Zstd.ErrorName(code)}");
        }
    }

    private sealed class ContextPair
    {
        public ContextPair()
        {
            Compressor = Interop.Zstd.CreateCCtx();
            Decompressor = Interop.Zstd.CreateDCtx();
            if (Compressor == 0 || Decompressor == 0)
            {
                throw new OutOfMemoryException("libzstd could not allocate a context");
            }
        }

        ~ContextPair()
        {
            Interop.Zstd.FreeCCtx(Compressor);
            Interop.Zstd.FreeDCtx(Decompressor);
        }

        public nint Compressor { get; }

        public nint Decompressor { get; }
    }
}
