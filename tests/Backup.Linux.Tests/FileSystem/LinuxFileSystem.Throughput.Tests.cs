using System.Diagnostics;
using Backup.Core.FileSystem;
using Backup.Linux.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Backup.Linux.Tests.FileSystem;

/// <summary>How fast a scan (ReadDirectory + LStat of every entry) walks a tree of 100,000 files with a warm cache.</summary>
public sealed class LinuxFileSystemThroughputTests : LinuxFileSystemTestBase
{
    private readonly ITestOutputHelper output;

    public LinuxFileSystemThroughputTests(ITestOutputHelper output)
    {
        this.output = output;
    }

    [BenchmarkFact]
    public void Scan_of_100k_files()
    {
        for (var d = 0; d < 100; d++)
        {
            var dir = Temp[$"dir{d:D3}"];
            FileSystem.CreateDirectory(dir, 0x1ED);
            for (var f = 0; f < 1000; f++)
            {
                FileSystem.CreateFile(Path.Combine(dir, $"file-{f:D4}.dat"), 0x1A4).Dispose();
            }
        }

        for (var run = 0; run < 5; run++)
        {
            var watch = Stopwatch.StartNew();
            var entries = Walk(Temp.Path);
            watch.Stop();
            Assert.Equal(100_100, entries);
            output.WriteLine($"run {run}: {entries} entries in {watch.Elapsed.TotalMilliseconds:F0} ms = {entries / watch.Elapsed.TotalSeconds:F0} entries/s");
        }
    }

    private int Walk(string directory)
    {
        var count = 0;
        foreach (var name in FileSystem.ReadDirectory(directory))
        {
            var path = directory + "/" + name;
            count++;
            if (FileSystem.LStat(path).Kind == FileKind.Directory)
            {
                count += Walk(path);
            }
        }

        return count;
    }
}
