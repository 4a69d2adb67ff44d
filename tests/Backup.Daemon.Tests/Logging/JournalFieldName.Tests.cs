using Backup.Daemon.Logging;

namespace Backup.Daemon.Tests.Logging;

public sealed class JournalFieldNameTests
{
    [Theory]
    [InlineData("Job", "JOB")]
    [InlineData("Snapshot", "SNAPSHOT")]
    [InlineData("Repository", "REPOSITORY")]
    [InlineData("SnapshotId", "SNAPSHOT_ID")]
    [InlineData("snapshotId", "SNAPSHOT_ID")]
    [InlineData("HTTPStatus", "HTTP_STATUS")]
    [InlineData("IOError", "IO_ERROR")]
    [InlineData("Sha256Sum", "SHA256_SUM")]
    [InlineData("Item2", "ITEM2")]
    [InlineData("already_snake", "ALREADY_SNAKE")]
    [InlineData("UPPER_CASE", "UPPER_CASE")]
    [InlineData("_private", "PRIVATE")]
    [InlineData("Source.Context", "SOURCE_CONTEXT")]
    [InlineData("Größe", "GR_E")]
    public void Property_names_become_upper_snake_case(string property, string field)
    {
        Assert.Equal(field, JournalFieldName.FromPropertyName(property));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("1st")]
    [InlineData("__")]
    [InlineData("Ä")]
    public void Names_with_nothing_usable_are_dropped(string property)
    {
        Assert.Null(JournalFieldName.FromPropertyName(property));
    }

    [Fact]
    public void Long_names_are_cut_to_the_journal_limit()
    {
        var field = JournalFieldName.FromPropertyName(string.Concat(Enumerable.Repeat("Segment", 12)));

        Assert.NotNull(field);
        Assert.True(field.Length <= 64, field);
        Assert.StartsWith("SEGMENT_SEGMENT_", field, StringComparison.Ordinal);
        Assert.False(field.EndsWith('_'));
    }
}
