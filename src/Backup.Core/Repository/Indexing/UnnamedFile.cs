using System.Runtime.InteropServices;
using Backup.Core.Interop;
using Microsoft.Win32.SafeHandles;

namespace Backup.Core.Repository.Indexing;

/// <summary>
/// An unnamed file (O_TMPFILE), written with pwrite(2) and read through a read-only shared mapping. Its pages are
/// page cache: the kernel writes them back and reclaims them when memory is short, and of a mapping only the pages
/// read through it count toward the process's resident memory. The file has no name, so nothing is left behind when
/// the process ends, however it ends.
/// </summary>
/// <remarks>
/// Writes go through pwrite, never through the mapping, so a full or failing disk is an exception at the write and
/// not a SIGBUS at some later store into a page.
/// </remarks>
internal sealed class UnnamedFile : IDisposable
{
    private const int OwnerReadWrite = 0x180; // 0600

    private readonly SafeFileHandle _file;
    private readonly string _directory;

    private UnnamedFile(SafeFileHandle file, string directory)
    {
        _file = file;
        _directory = directory;
    }

    public static UnnamedFile Create(string directory)
    {
        var fd = Libc.Open(directory, Libc.O_TMPFILE | Libc.O_RDWR | Libc.O_CLOEXEC, OwnerReadWrite);
        if (fd < 0)
        {
            throw Failure("cannot create an unnamed file in", directory);
        }

        return new UnnamedFile(new SafeFileHandle(fd, ownsHandle: true), directory);
    }

    public void Write(ReadOnlySpan<byte> data, long offset)
    {
        try
        {
            RandomAccess.Write(_file, data, offset);
        }
        catch (IOException e)
        {
            throw new IOException($"cannot write to an unnamed file in {_directory}: {e.Message}", e);
        }
    }

    /// <summary>A new read-only mapping of the file's first <paramref name="length"/> bytes, which must have been written.</summary>
    public Mapping Map(long length)
    {
        var address = Libc.Mmap(0, (nuint)length, Libc.PROT_READ, Libc.MAP_SHARED, (int)_file.DangerousGetHandle(), 0);
        if (address == -1)
        {
            throw Failure("cannot map an unnamed file in", _directory);
        }

        return new Mapping(address, (nuint)length);
    }

    public void Dispose() => _file.Dispose();

    private static IOException Failure(string what, string directory)
    {
        var errno = Marshal.GetLastPInvokeError();
        return new IOException($"{what} {directory}: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})", errno);
    }

    /// <summary>One mapping; unmapped when disposed or finalized, so no pointer into it may be used after that.</summary>
    public sealed class Mapping : SafeHandle
    {
        private readonly nuint _length;

        public Mapping(nint address, nuint length)
            : base(0, ownsHandle: true)
        {
            SetHandle(address);
            _length = length;
        }

        public nint Address => handle;

        public override bool IsInvalid => handle == 0;

        protected override bool ReleaseHandle() => Libc.Munmap(handle, _length) == 0;
    }
}
