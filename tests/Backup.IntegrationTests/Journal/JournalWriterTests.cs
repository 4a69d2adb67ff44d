using System.Diagnostics;

namespace Backup.IntegrationTests.Journal;

/// <summary>
/// Stores through a shared mapping produce no fanotify event until the mapping goes away, so at each cut backupd
/// looks at the directories of files that are mapped writable or open for writing.
/// </summary>
[Collection(JournalCollection.Name)]
public sealed class JournalWriterTests
{
    private const string Writer = """
        import mmap, os, sys, time
        fd = os.open(sys.argv[1], os.O_RDWR)
        m = mmap.mmap(fd, 4096, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)
        os.close(fd)
        print("mapped", flush=True)
        for line in sys.stdin:
            m[0:len(line)] = line.encode()
            print("written", flush=True)
        """;

    [RequiresRootFact("restic", "mkfs.ext4", "losetup", "systemd-socket-activate", "python3")]
    public void A_file_changed_through_a_shared_mapping_still_open_is_in_the_journals_snapshot()
    {
        using var filesystem = LoopFilesystem.Ext4();
        var directory = filesystem.PathOf("db/data");
        Directory.CreateDirectory(directory);
        Directory.CreateDirectory(filesystem.PathOf("other"));
        var file = Path.Combine(directory, "table");
        File.WriteAllBytes(file, new byte[8192]);
        using var daemon = new JournalDaemon(filesystem.MountPoint);
        daemon.Start();

        using var writer = Process.Start(new ProcessStartInfo("python3", ["-c", Writer, file]) { RedirectStandardInput = true, RedirectStandardOutput = true })!;
        try
        {
            Assert.Equal("mapped", writer.StandardOutput.ReadLine());
            daemon.Run();

            // A second later, so the store changes the file's mtime; no event reports it.
            Thread.Sleep(1100);
            writer.StandardInput.WriteLine("changed through the mapping");
            Assert.Equal("written", writer.StandardOutput.ReadLine());
            File.WriteAllText(filesystem.PathOf("other/unrelated"), "an ordinary change, so the run is not empty");

            daemon.RunJournalAndCompare("after a store through a shared mapping", () => $"mapped file {file}");
        }
        finally
        {
            writer.Kill();
            writer.WaitForExit();
        }
    }
}
