namespace Backup.Linux.Fanotify;

/// <summary>
/// A filesystem identifier as statfs(2) reports it in f_fsid and fanotify puts it into file-handle records:
/// val[0] in the low 32 bits, val[1] in the high 32 bits.
/// </summary>
public readonly record struct Fsid(ulong Value)
{
    internal static Fsid FromWords(int low, int high) => new((uint)low | ((ulong)(uint)high << 32));

    public override string ToString() => $"{(uint)(Value >> 32):x8}.{(uint)Value:x8}";
}
