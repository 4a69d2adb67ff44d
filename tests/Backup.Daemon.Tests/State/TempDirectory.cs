namespace Backup.Daemon.Tests.State;

internal sealed class TempDirectory : IDisposable
{
    public TempDirectory() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "backupd-state-" + Guid.NewGuid().ToString("N"));

    public string StateDb => System.IO.Path.Combine(Path, "state.db");

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
