using System.Runtime.InteropServices;

namespace Backup.Linux;

internal static partial class Interop
{
    /// <summary>ioctl(2) with a pointer argument (or none: pass null).</summary>
    /// <remarks>ioctl is variadic; the pointer travels as the third integer argument, where the x86-64 and
    /// AArch64 Linux calling conventions put it for variadic calls too.</remarks>
    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    internal static unsafe partial int Ioctl(int fd, nuint request, void* argument);

    /// <summary>The request-number encoding of asm-generic/ioctl.h (_IO, _IOR, _IOW, _IOWR).</summary>
    internal static class IoctlNumber
    {
        private const int NrBits = 8;
        private const int TypeBits = 8;
        private const int SizeBits = 14;
        private const int TypeShift = NrBits;
        private const int SizeShift = TypeShift + TypeBits;
        private const int DirShift = SizeShift + SizeBits;

        private const uint None = 0;
        private const uint Write = 1;
        private const uint Read = 2;

        internal static nuint Io(uint type, uint nr) => Encode(None, type, nr, 0);

        internal static nuint IoR(uint type, uint nr, int size) => Encode(Read, type, nr, size);

        internal static nuint IoW(uint type, uint nr, int size) => Encode(Write, type, nr, size);

        internal static nuint IoWR(uint type, uint nr, int size) => Encode(Read | Write, type, nr, size);

        private static nuint Encode(uint direction, uint type, uint nr, int size)
        {
            if ((uint)size >= 1u << SizeBits)
            {
                throw new ArgumentOutOfRangeException(nameof(size), size, "an ioctl argument size must fit in 14 bits");
            }

            return (direction << DirShift) | ((uint)size << SizeShift) | (type << TypeShift) | nr;
        }
    }
}
