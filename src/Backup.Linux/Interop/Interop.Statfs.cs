using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Backup.Linux;

internal static partial class Interop
{
    /// <summary>statfs(2): information about the filesystem a path lies on.</summary>
    [LibraryImport("libc", EntryPoint = "statfs", SetLastError = true)]
    internal static unsafe partial int Statfs(byte* path, StatfsBuffer* buffer);

    /// <summary>struct statfs of the 64-bit ABIs (120 bytes); only f_type, the first word, is read.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct StatfsBuffer
    {
        internal long Type;
        private readonly StatfsRest rest;
    }

    [InlineArray(14)]
    internal struct StatfsRest
    {
        private long element;
    }
}
