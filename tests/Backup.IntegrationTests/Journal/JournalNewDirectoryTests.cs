using System.Globalization;
using Backup.Linux.FileSystem;

namespace Backup.IntegrationTests.Journal;

/// <summary>
/// backupd puts an ignore mark on each new directory so that filling it costs one event, not several per file. The
/// marks hide events: these tests check that nothing they hide is missing from a backup, and that every cut
/// removes them, with the marks seen in backupd's /proc fdinfo so that the tests cannot pass without any.
/// </summary>
[Collection(JournalCollection.Name)]
public sealed class JournalNewDirectoryTests
{
    private static readonly LinuxFileSystem Fs = new();

    [RequiresRootFact("restic", "mkfs.ext4", "losetup", "systemd-socket-activate")]
    public void Files_made_changed_moved_out_and_linked_inside_a_new_directory_are_in_the_journals_snapshot()
    {
        using var filesystem = LoopFilesystem.Ext4();
        string old = filesystem.PathOf("old"), target = filesystem.PathOf("far/away");
        Directory.CreateDirectory(old);
        Directory.CreateDirectory(target);
        File.WriteAllText(Path.Combine(old, "linked"), "before");
        File.WriteAllText(Path.Combine(old, "kept"), "kept");
        using var daemon = StartAfterAFullBackup(filesystem);

        var fresh = MakeMarkedDirectory(daemon, filesystem.PathOf("fresh"));
        File.WriteAllText(Path.Combine(fresh, "a"), "a");
        File.SetUnixFileMode(Path.Combine(fresh, "a"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        // Deep enough that no directory above it changes: only the rename's event leads the backup there.
        File.WriteAllText(Path.Combine(fresh, "moved"), "moved out");
        File.Move(Path.Combine(fresh, "moved"), Path.Combine(target, "moved"));
        File.WriteAllText(Path.Combine(fresh, "deleted"), "x");
        File.Delete(Path.Combine(fresh, "deleted"));
        Fs.CreateHardLink(Path.Combine(old, "linked"), Path.Combine(fresh, "link"));

        // Only through the new directory, whose mark hides it: the old directory's copy of the inode changes too.
        File.AppendAllText(Path.Combine(fresh, "link"), ", and after");
        var sub = MakeMarkedDirectory(daemon, Path.Combine(fresh, "sub"));
        File.WriteAllText(Path.Combine(sub, "deep"), "deep");

        daemon.RunJournalAndCompare("after changes inside new directories", () => "fresh/{a, link -> old/linked, sub/deep}, far/away/moved");
        Assert.Empty(IgnoredInodes(daemon));
    }

    [RequiresRootFact("restic", "mkfs.ext4", "losetup", "systemd-socket-activate")]
    public void Changes_inside_a_directory_made_before_a_backup_are_in_the_next_backup()
    {
        using var filesystem = LoopFilesystem.Ext4();
        Directory.CreateDirectory(filesystem.PathOf("other"));
        using var daemon = StartAfterAFullBackup(filesystem);
        var fresh = MakeMarkedDirectory(daemon, filesystem.PathOf("fresh"));
        File.WriteAllText(Path.Combine(fresh, "file"), "version 1");
        Assert.Equal("journal", daemon.Run().ScanKind);
        var removed = IgnoredInodes(daemon);

        // The same size and directory listing: only the file's own events tell.
        var mtime = File.GetLastWriteTimeUtc(Path.Combine(fresh, "file"));
        File.WriteAllText(Path.Combine(fresh, "file"), "version 2");
        File.WriteAllText(Path.Combine(fresh, "added"), "added");
        var run = daemon.Run();

        Assert.Equal("journal", run.ScanKind);
        Assert.NotEqual(mtime, File.GetLastWriteTimeUtc(Path.Combine(fresh, "file")));
        daemon.AssertSameAsFullScans(run.SnapshotId, "after changes in a directory the previous backup took new", () => "fresh/file rewritten, fresh/added");
        Assert.Empty(removed);
    }

    private static JournalDaemon StartAfterAFullBackup(LoopFilesystem filesystem)
    {
        var daemon = new JournalDaemon(filesystem.MountPoint);
        try
        {
            daemon.Start();
            Assert.Equal("full", daemon.Run().ScanKind);
            return daemon;
        }
        catch
        {
            daemon.Dispose();
            throw;
        }
    }

    /// <summary>Makes the directory and waits until backupd holds an ignore mark on it (fdinfo of its fanotify descriptors).</summary>
    private static string MakeMarkedDirectory(JournalDaemon daemon, string directory)
    {
        Directory.CreateDirectory(directory);
        var number = Fs.LStat(directory).Inode;
        var deadline = System.Diagnostics.Stopwatch.StartNew();
        while (!IgnoredInodes(daemon).Contains(number))
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(10), $"backupd put no ignore mark on the new directory {directory} (inode {number}) within 10 s:\n{daemon.Daemon.Output}");
            Thread.Sleep(10);
        }

        return directory;
    }

    /// <summary>Inode numbers that backupd's fanotify groups hold marks with a non-empty ignore mask on.</summary>
    private static HashSet<ulong> IgnoredInodes(JournalDaemon daemon)
    {
        var pid = daemon.Daemon.DaemonPid ?? throw new InvalidOperationException("backupd is not running");
        var inodes = new HashSet<ulong>();
        foreach (var fd in Directory.EnumerateFileSystemEntries($"/proc/{pid}/fd"))
        {
            if (new FileInfo(fd).LinkTarget != "anon_inode:[fanotify]")
            {
                continue;
            }

            foreach (var line in File.ReadLines($"/proc/{pid}/fdinfo/{Path.GetFileName(fd)}"))
            {
                // "fanotify ino:%lx sdev:%x mflags:%x mask:%x ignored_mask:%x ..." (fs/notify/fdinfo.c)
                var fields = line.Split(' ').Select(f => f.Split(':', 2)).Where(f => f.Length == 2).ToDictionary(f => f[0], f => f[1]);
                if (line.StartsWith("fanotify ino:", StringComparison.Ordinal) && fields.TryGetValue("ignored_mask", out var ignored) && ignored != "0")
                {
                    inodes.Add(ulong.Parse(fields["ino"], NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                }
            }
        }

        return inodes;
    }
}
