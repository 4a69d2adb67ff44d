using System.Buffers;
using System.Text;
using Backup.Core.FileSystem;

namespace Backup.Linux.FileSystem;

/// <summary>
/// A path as the kernel takes it: the <see cref="PathEncoding"/> bytes followed by a NUL. Ordinary paths
/// are encoded straight into caller-provided stack space so that a stat of every file in a large tree
/// allocates nothing for the path.
/// </summary>
internal ref struct NativePath
{
    /// <summary>Stack space callers reserve; longer paths use a pooled array.</summary>
    internal const int StackSize = 512;

    private readonly Span<byte> bytes;
    private byte[]? rented;

    internal NativePath(string path, Span<byte> scratch, string operation)
    {
        rented = null;
        int length;
        if (path.AsSpan().IndexOfAnyInRange('\uD800', '\uDFFF') < 0)
        {
            // Without surrogates PathEncoding.Encode is plain UTF-8, which can be written in place.
            var max = Encoding.UTF8.GetMaxByteCount(path.Length) + 1;
            var target = max <= scratch.Length ? scratch : (rented = ArrayPool<byte>.Shared.Rent(max));
            length = Encoding.UTF8.GetBytes(path, target);
            target[length] = 0;
            bytes = target[..(length + 1)];
        }
        else
        {
            var encoded = PathEncoding.Encode(path);
            length = encoded.Length;
            var target = length + 1 <= scratch.Length ? scratch : (rented = ArrayPool<byte>.Shared.Rent(length + 1));
            encoded.CopyTo(target);
            target[length] = 0;
            bytes = target[..(length + 1)];
        }

        if (bytes[..length].Contains((byte)0))
        {
            Dispose();
            throw new FileSystemException(operation, path, Interop.Errors.EINVAL, "the path contains a NUL character, which no Linux file name can hold");
        }
    }

    /// <summary>The encoded bytes without the terminating NUL.</summary>
    internal readonly ReadOnlySpan<byte> Bytes => bytes[..^1];

    public readonly ref byte GetPinnableReference() => ref bytes.GetPinnableReference();

    public void Dispose()
    {
        if (rented is not null)
        {
            ArrayPool<byte>.Shared.Return(rented);
            rented = null;
        }
    }
}
