using System.Buffers;
using System.Runtime.InteropServices;
using Backup.Linux.FileSystem;

namespace Backup.Linux.Fanotify;

/// <summary>readlink(2) of the /proc magic links (fd/N, cwd, ...), keeping the target's raw bytes.</summary>
internal static class SymbolicLink
{
    /// <summary>The target bytes, or null with the errno when the link cannot be read (process gone, no permission).</summary>
    internal static unsafe byte[]? ReadBytes(string path, out int errno)
    {
        Span<byte> scratch = stackalloc byte[NativePath.StackSize];
        using var native = new NativePath(path, scratch, "readlink");
        for (var size = 4096; ; size *= 4)
        {
            var buffer = ArrayPool<byte>.Shared.Rent(size);
            try
            {
                nint length;
                fixed (byte* p = native)
                fixed (byte* target = buffer)
                {
                    length = Interop.Readlink(p, target, (nuint)buffer.Length);
                }

                if (length < 0)
                {
                    errno = Marshal.GetLastPInvokeError();
                    return null;
                }

                // A full buffer may be a truncated target: read again with more room.
                if (length < buffer.Length || size >= 1 << 20)
                {
                    errno = 0;
                    return buffer.AsSpan(0, (int)length).ToArray();
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    /// <summary>The suffix the kernel appends to the path of an unlinked file or removed directory.</summary>
    internal static ReadOnlySpan<byte> DeletedSuffix => " (deleted)"u8;
}
