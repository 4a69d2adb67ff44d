using System.Text;
using Backup.Core.Model;

namespace Backup.Core.Tests.Model;

public class SnapshotJsonTests
{
    private const string TreeId = "1af5c2a8e3d94f0b7a6e5d4c3b2a19081726354453627180a9b8c7d6e5f40312";
    private const string OtherId = "a4fb5dbae1a6c8cbd8e2c8b9d5be08c83f2c6a2f0b2a2f1f9a4c0e3b0d1c2e3f";

    // Section 8's observed snapshots, with the shortened IDs written out, and one from restic 0.14 itself.
    [Theory]
    [InlineData("""{"time":"2026-11-21T20:08:44.580731299Z","tree":"1af5c2a8e3d94f0b7a6e5d4c3b2a19081726354453627180a9b8c7d6e5f40312","paths":["/srv/data"],"hostname":"probehost","username":"root","excludes":["*.tmp"],"tags":["t1","t2"]}""")]
    [InlineData("""{"time":"2026-11-21T20:12:56.04151201Z","parent":"a4fb5dbae1a6c8cbd8e2c8b9d5be08c83f2c6a2f0b2a2f1f9a4c0e3b0d1c2e3f","tree":"be7c0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7","paths":["/srv/data"],"hostname":"probehost","username":"root"}""")]
    [InlineData("""{"time":"2020-01-02T03:04:05Z","tree":"1af5c2a8e3d94f0b7a6e5d4c3b2a19081726354453627180a9b8c7d6e5f40312","paths":["/srv/data"],"hostname":"probehost","username":"root","tags":["newtag"],"original":"61d97f5a0b1c2d3e4f5061728394a5b6c7d8e9f0a1b2c3d4e5f60718293a4b5c"}""")]
    [InlineData("""{"time":"2015-01-02T18:10:13.48307196+01:00","tree":"bfa30a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7","paths":["/srv/nb/f"],"hostname":"vm","username":"nobody","uid":65534,"gid":65534}""")]
    [InlineData("""{"time":"2026-11-21T21:45:41.61275439Z","tree":"34325e42394c934cb766457a3265090dd389d817b4bea1610d93dc352fddd81c","paths":["/tmp/exp/d2"],"hostname":"vm","username":"root"}""")]
    [InlineData("""{"time":"2020-01-02T03:04:05Z","tree":"1af5c2a8e3d94f0b7a6e5d4c3b2a19081726354453627180a9b8c7d6e5f40312","paths":null}""")]
    [InlineData("""{"time":"2020-01-02T03:04:05Z","tree":"1af5c2a8e3d94f0b7a6e5d4c3b2a19081726354453627180a9b8c7d6e5f40312","paths":[],"hostname":"h\u003c\u003e","excludes":["a\"b","\\x"]}""")]
    public void ObservedSnapshotIsReproducedByteForByte(string json)
    {
        var snapshot = Snapshot.Parse(Encoding.UTF8.GetBytes(json));

        Assert.Equal(json, Encoding.UTF8.GetString(snapshot.ToJson()));
    }

    [Fact]
    public void FieldsAreRead()
    {
        var s = Snapshot.Parse(Encoding.UTF8.GetBytes($$"""{"time":"2015-01-02T18:10:13.48307196+01:00","parent":"{{OtherId}}","tree":"{{TreeId}}","paths":["/srv/nb/f"],"hostname":"vm","username":"nobody","uid":65534,"gid":65533,"tags":["a"],"original":"{{OtherId}}"}"""));

        Assert.Equal(GoTime.Parse("2015-01-02T18:10:13.48307196+01:00"), s.Time);
        Assert.Equal(Id.Parse(OtherId), s.Parent);
        Assert.Equal(Id.Parse(TreeId), s.Tree);
        Assert.Equal(["/srv/nb/f"], s.Paths!);
        Assert.Equal("vm", s.Hostname);
        Assert.Equal("nobody", s.Username);
        Assert.Equal(65534u, s.Uid);
        Assert.Equal(65533u, s.Gid);
        Assert.Null(s.Excludes);
        Assert.Equal(["a"], s.Tags!);
        Assert.Equal(Id.Parse(OtherId), s.Original);
        Assert.Null(s.ProgramVersion);
        Assert.Null(s.Summary);
    }

    [Fact]
    public void EmptyValuesAreOmittedExceptPaths()
    {
        var s = new Snapshot { Time = GoTime.Parse("2020-01-02T03:04:05Z"), Tree = Id.Parse(TreeId), Hostname = string.Empty, Tags = [], Excludes = [] };

        Assert.Equal($$"""{"time":"2020-01-02T03:04:05Z","tree":"{{TreeId}}","paths":null}""", Encoding.UTF8.GetString(s.ToJson()));
    }

    [Fact]
    public void ProgramVersionAndSummaryAreWrittenAfterOriginalInRestic017Order()
    {
        var json = $$$"""{"time":"2024-06-01T10:00:00.5+02:00","tree":"{{{TreeId}}}","paths":["/home"],"hostname":"h","username":"u","uid":1000,"gid":1000,"original":"{{{OtherId}}}","program_version":"backup-linux 0.1","summary":{"backup_start":"2024-06-01T10:00:00.5+02:00","backup_end":"2024-06-01T10:01:02.25+02:00","files_new":1,"files_changed":2,"files_unmodified":3,"dirs_new":4,"dirs_changed":5,"dirs_unmodified":6,"data_blobs":7,"tree_blobs":8,"data_added":9,"data_added_packed":10,"total_files_processed":11,"total_bytes_processed":12}}""";
        var s = new Snapshot
        {
            Time = GoTime.Parse("2024-06-01T10:00:00.5+02:00"),
            Tree = Id.Parse(TreeId),
            Paths = ["/home"],
            Hostname = "h",
            Username = "u",
            Uid = 1000,
            Gid = 1000,
            Original = Id.Parse(OtherId),
            ProgramVersion = "backup-linux 0.1",
            Summary = new SnapshotSummary
            {
                BackupStart = GoTime.Parse("2024-06-01T10:00:00.5+02:00"),
                BackupEnd = GoTime.Parse("2024-06-01T10:01:02.25+02:00"),
                FilesNew = 1, FilesChanged = 2, FilesUnmodified = 3, DirsNew = 4, DirsChanged = 5, DirsUnmodified = 6,
                DataBlobs = 7, TreeBlobs = 8, DataAdded = 9, DataAddedPacked = 10, TotalFilesProcessed = 11, TotalBytesProcessed = 12,
            },
        };

        Assert.Equal(json, Encoding.UTF8.GetString(s.ToJson()));
        Assert.Equal(json, Encoding.UTF8.GetString(Snapshot.Parse(Encoding.UTF8.GetBytes(json)).ToJson()));
    }

    [Fact]
    public void KeysMatchCaseInsensitivelyAndUnknownKeysAreIgnored()
    {
        var s = Snapshot.Parse(Encoding.UTF8.GetBytes($$"""{"TIME":"2020-01-02T03:04:05Z","Tree":"{{TreeId.ToUpperInvariant()}}","HostName":"x","future":[1,2,{"a":null}]}"""));

        Assert.Equal(Id.Parse(TreeId), s.Tree);
        Assert.Equal("x", s.Hostname);
        Assert.Equal(GoTime.Parse("2020-01-02T03:04:05Z"), s.Time);
    }

    [Theory]
    [InlineData("""{"time":"2020-01-02T03:04:05Z","paths":null}""", "no tree")]
    [InlineData("""{"time":"2020-01-02T03:04:05Z","tree":null}""", "no tree")]
    [InlineData("""{"time":"now","tree":"1af5c2a8e3d94f0b7a6e5d4c3b2a19081726354453627180a9b8c7d6e5f40312"}""", "\"now\"")]
    [InlineData("""{"tree":"1af5"}""", "\"1af5\"")]
    [InlineData("""{"tree":"1af5c2a8e3d94f0b7a6e5d4c3b2a19081726354453627180a9b8c7d6e5f40312","uid":"0"}""", "uid")]
    [InlineData("""{"tree":"1af5c2a8e3d94f0b7a6e5d4c3b2a19081726354453627180a9b8c7d6e5f40312","summary":[]}""", "summary")]
    [InlineData("""{"tree":""", "malformed")]
    public void InvalidSnapshotsAreRejectedNamingTheProblem(string json, string named)
    {
        var e = Assert.Throws<FormatException>(() => Snapshot.Parse(Encoding.UTF8.GetBytes(json)));

        Assert.Contains(named, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TimesGoCannotWriteAreRefused()
    {
        var s = new Snapshot { Time = new GoTime(GoTime.Parse("0000-01-01T00:00:00Z").UnixSeconds - 1, 0, 0), Tree = Id.Parse(TreeId) };

        Assert.Throws<InvalidOperationException>(() => s.ToJson());
    }
}
