using System.Diagnostics;
using Backup.Linux.Fanotify;
using Backup.Linux.Tests.Infrastructure;

namespace Backup.Linux.Tests.Fanotify;

/// <summary>Real child processes holding files open or mapped, found through /proc.</summary>
public sealed class OpenWritersTests
{
    private const string MapShared = """
        import mmap, os, sys, time
        fd = os.open(sys.argv[1], os.O_RDWR)
        m = mmap.mmap(fd, 4096, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)
        os.close(fd)
        m[0:5] = b"dirty"
        print("ready", flush=True)
        time.sleep(60)
        """;

    private const string MapPrivate = """
        import mmap, os, sys, time
        fd = os.open(sys.argv[1], os.O_RDONLY)
        m = mmap.mmap(fd, 4096, mmap.MAP_PRIVATE, mmap.PROT_READ | mmap.PROT_WRITE)
        os.close(fd)
        print("ready", flush=True)
        time.sleep(60)
        """;

    [RequiresToolFact("sh", "sleep", "python3")]
    public void FindsFilesOpenForWritingOrMappedSharedWritableOnly()
    {
        using var temp = new TemporaryDirectory();
        string written = temp["written"], appended = temp["appended file"], read = temp["read"], mapped = temp["mapped"], privately = temp["private"];
        File.WriteAllBytes(mapped, new byte[4096]);
        File.WriteAllBytes(privately, new byte[4096]);
        File.WriteAllText(read, "r");
        var children = new List<Process>();
        try
        {
            children.Add(Start("sh", "-c", "exec 3>\"$1\"; echo ready; exec sleep 60", "sh", written));
            children.Add(Start("sh", "-c", "exec 3>>\"$1\"; echo ready; exec sleep 60", "sh", appended));
            children.Add(Start("sh", "-c", "exec 3<\"$1\"; echo ready; exec sleep 60", "sh", read));
            children.Add(Start("python3", "-c", MapShared, mapped));
            children.Add(Start("python3", "-c", MapPrivate, privately));

            var found = OpenWriters.Find(path => path.StartsWith(temp.Path + "/", StringComparison.Ordinal));

            Assert.Equal(new[] { appended, mapped, written }.Order(StringComparer.Ordinal), found);
            Assert.Empty(OpenWriters.Find(_ => false));
        }
        finally
        {
            foreach (var child in children)
            {
                child.Kill();
                child.WaitForExit();
                child.Dispose();
            }
        }
    }

    [RequiresToolFact("sh", "sleep")]
    public void UnlinkedFilesAreSkipped()
    {
        using var temp = new TemporaryDirectory();
        var path = temp["doomed"];
        using var child = Start("sh", "-c", "exec 3>\"$1\"; echo ready; exec sleep 60", "sh", path);
        try
        {
            Assert.Equal([path], OpenWriters.Find(p => p.StartsWith(temp.Path + "/", StringComparison.Ordinal)));
            File.Delete(path);

            Assert.Empty(OpenWriters.Find(p => p.StartsWith(temp.Path + "/", StringComparison.Ordinal)));
        }
        finally
        {
            child.Kill();
            child.WaitForExit();
        }
    }

    [Fact]
    public void ThisProcessIsIgnored()
    {
        using var temp = new TemporaryDirectory();
        using var stream = File.OpenWrite(temp["mine"]);

        Assert.Empty(OpenWriters.Find(p => p.StartsWith(temp.Path + "/", StringComparison.Ordinal)));
    }

    /// <summary>Starts a child and waits for its "ready" line, printed once its files are open.</summary>
    private static Process Start(string program, params string[] arguments)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException($"cannot start {program}");
        var line = process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30)).GetAwaiter().GetResult();
        Assert.Equal("ready", line);
        return process;
    }
}
