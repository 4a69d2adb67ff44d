using Backup.Linux.FileSystem;
using Backup.Linux.Tests.Infrastructure;

namespace Backup.Linux.Tests.FileSystem;

/// <summary>A <see cref="LinuxFileSystem"/> and a temporary directory on the real kernel for each test.</summary>
public abstract class LinuxFileSystemTestBase : IDisposable
{
    protected LinuxFileSystemTestBase()
    {
        FileSystem = new LinuxFileSystem();
        Temp = new TemporaryDirectory();
    }

    protected LinuxFileSystem FileSystem { get; }

    protected TemporaryDirectory Temp { get; }

    /// <summary>Creates a regular file with our own CreateFile and writes the content.</summary>
    protected string WriteFile(string name, byte[] content, uint permissions = 0x1A4 /* 0644 */)
    {
        var path = Temp[name];
        using (var handle = FileSystem.CreateFile(path, permissions))
        {
            RandomAccess.Write(handle, content, 0);
        }

        return path;
    }

    public void Dispose()
    {
        Temp.Dispose();
        GC.SuppressFinalize(this);
    }
}
