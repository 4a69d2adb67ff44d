using Backup.Core.Archiving;

namespace Backup.Core.Tests.Archiving;

public class ExcludeFilterTests
{
    [Theory]
    [InlineData("*.tmp", "/home/a/x.tmp", true)]
    [InlineData("*.tmp", "/home/a/x.tmp/inside", true)]
    [InlineData("*.tmp", "/home/a/x.tmpl", false)]
    [InlineData("/home/*/.cache", "/home/alice/.cache", true)]
    [InlineData("/home/*/.cache", "/home/alice/.cache/deep/file", true)]
    [InlineData("/home/*/.cache", "/srv/home/alice/.cache", false)]
    [InlineData("/home/*/.cache", "/home/alice/x/.cache", false)]
    [InlineData(".cache", "/home/alice/x/.cache", true)]
    [InlineData("node_modules", "/src/node_modules/a", true)]
    [InlineData("/var/**/log", "/var/log", true)]
    [InlineData("/var/**/log", "/var/a/b/c/log", true)]
    [InlineData("/var/**/log", "/varx/log", false)]
    [InlineData("file?.txt", "/a/file1.txt", true)]
    [InlineData("file?.txt", "/a/file12.txt", false)]
    [InlineData("file[0-9].txt", "/a/file7.txt", true)]
    [InlineData("file[!0-9].txt", "/a/file7.txt", false)]
    [InlineData("a/b", "/x/a/b", true)]
    [InlineData("a/b", "/x/za/b", false)]
    public void Patterns_match_like_restic(string pattern, string path, bool excluded)
    {
        var filter = new ExcludeFilter();
        filter.Add(pattern, "--exclude");
        Assert.Equal(excluded, filter.IsExcluded(path));
    }

    [Fact]
    public void Exclude_file_ignores_comments_and_blank_lines_and_names_the_line_of_a_bad_pattern()
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllLines(file, ["# comment", "", "  *.bak  ", "bad[pattern"]);
            var error = Assert.Throws<ArgumentException>(() => new ExcludeFilter().AddFile(file));
            Assert.Contains($"{file}:4", error.Message);

            File.WriteAllLines(file, ["# comment", "", "  *.bak  "]);
            var filter = new ExcludeFilter();
            filter.AddFile(file);
            Assert.Equal(["*.bak"], filter.Patterns);
            Assert.True(filter.IsExcluded("/x/y.bak"));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void Negated_patterns_are_refused_with_a_clear_message()
    {
        var error = Assert.Throws<ArgumentException>(() => new ExcludeFilter().Add("!keep", "--exclude"));
        Assert.Contains("!keep", error.Message);
    }
}
