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
