using System.Runtime.InteropServices;

namespace Backup.Linux;

internal static partial class Interop
{
    /// <summary>struct passwd (pwd.h) on 64-bit glibc; only the name and ids are read.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal unsafe struct Passwd
    {
        internal byte* Name;
        internal byte* Password;
        internal uint Uid;
        internal uint Gid;
        internal byte* Gecos;
        internal byte* Directory;
        internal byte* Shell;
    }

    /// <summary>struct group (grp.h) on 64-bit glibc.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal unsafe struct Group
    {
        internal byte* Name;
        internal byte* Password;
        internal uint Gid;
        internal byte** Members;
    }
}
