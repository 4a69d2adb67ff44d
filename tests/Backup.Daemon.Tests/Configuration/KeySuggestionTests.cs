using Backup.Daemon.Configuration;

namespace Backup.Daemon.Tests.Configuration;

public sealed class KeySuggestionTests
{
    [Theory]
    [InlineData("schedule", "schedule", 0)]
    [InlineData("schedul", "schedule", 1)]
    [InlineData("shcedule", "schedule", 1)]
    [InlineData("scheduel", "schedule", 1)]
    [InlineData("sxhedul", "schedule", 2)]
    [InlineData("", "tags", 4)]
    public void Distance_counts_swaps_as_one_edit(string a, string b, int expected)
    {
        Assert.Equal(expected, KeySuggestion.Distance(a, b));
    }

    [Theory]
    [InlineData("repositry", "repository")]
    [InlineData("exclude-caches", "exclude_caches")]
    [InlineData("oneFileSystem", "one_file_system")]
    [InlineData("overdueAfter", "overdue_after")]
    [InlineData("tag", "tags")]
    [InlineData("colour", null)]
    [InlineData("password", null)]
    public void Find_suggests_only_close_keys(string key, string? expected)
    {
        Assert.Equal(expected, KeySuggestion.Find(key, JobFileReader.Keys));
    }

    [Fact]
    public void Problems_print_as_file_line_column()
    {
        Assert.Equal("/etc/backup/jobs.d/home.yaml:4:11: bad", new ConfigProblem("/etc/backup/jobs.d/home.yaml", 4, 11, "bad").ToString());
        Assert.Equal("/etc/backup/jobs.d/x y.yaml: bad", new ConfigProblem("/etc/backup/jobs.d/x y.yaml", 0, 0, "bad").ToString());
    }
}
