namespace Backup.TestSupport;

/// <summary>A fresh directory under /tmp, removed with everything in it (odd names included) on dispose.</summary>
public sealed class TemporaryDirectory : IDisposable
{
    public TemporaryDirectory()
    {
        Path = Directory.CreateTempSubdirectory("backup-linux-tests-").FullName;
    }

    public string Path { get; }

    public string this[string name] => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        // rm copes with names that are not valid UTF-8, which Directory.Delete cannot address.
        Shell.Run($"rm -rf {Shell.Quote(Path)}");
    }
}
