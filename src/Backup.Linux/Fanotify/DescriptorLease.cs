using Microsoft.Win32.SafeHandles;

namespace Backup.Linux.Fanotify;

/// <summary>
/// Keeps a SafeFileHandle's descriptor from being closed (and its number reused) while a call that takes a
/// raw int, such as poll(2) or open_by_handle_at(2), uses it.
/// </summary>
internal ref struct DescriptorLease
{
    private readonly SafeFileHandle handle;
    private bool added;

    internal DescriptorLease(SafeFileHandle handle)
    {
        this.handle = handle;
        added = false;
        handle.DangerousAddRef(ref added);
        Fd = (int)handle.DangerousGetHandle();
    }

    internal int Fd { get; }

    public void Dispose()
    {
        if (added)
        {
            handle.DangerousRelease();
            added = false;
        }
    }
}
