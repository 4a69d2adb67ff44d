using System.Text;
using Backup.Core.Model;

namespace Backup.Core.Tests.Archiving;

/// <summary>
/// A file the parent snapshot shows unchanged keeps the parent's node without a second look at its extended
/// attributes, yet the tree stays what reading everything afresh gives.
/// </summary>
public sealed class ArchiverUnchangedFilesTests : PartialScanTestBase
{
    private string Kept => Source + "/kept";

    private string Changed => Source + "/changed";

    /// <summary>Two files, one with an extended attribute; returns the first backup's snapshot ID.</summary>
    private async Task<string> FirstBackupAsync()
    {
        WriteFile(Kept, "kept");
        Files.SetExtendedAttribute(Kept, "user.note", Encoding.UTF8.GetBytes("first"));
        WriteFile(Changed, "changed");
        var first = await BackupAsync(null);
        Tick();
        return first.SnapshotId.ToString();
    }

    [Fact]
    public async Task An_unchanged_file_keeps_its_node_and_its_extended_attributes_are_not_read_again()
    {
        var parent = await FirstBackupAsync();
        File.AppendAllText(Changed, " again");

        var second = await BackupAsync(null, parent);

        Assert.Equal(1, second.Stats.FilesUnmodified);
        Assert.DoesNotContain(Kept, Counting.AttributeReads);
        Assert.Contains(Changed, Counting.AttributeReads);
        await AssertKeptNoteAsync(second, "first");
    }

    [Fact]
    public async Task An_extended_attribute_set_since_the_parent_is_seen_through_the_new_ctime()
    {
        var parent = await FirstBackupAsync();
        Files.SetExtendedAttribute(Kept, "user.note", Encoding.UTF8.GetBytes("second"));

        var second = await BackupAsync(null, parent);

        Assert.Contains(Kept, Counting.AttributeReads);
        await AssertKeptNoteAsync(second, "second");
    }

    [Fact]
    public async Task A_renamed_account_is_written_even_for_an_unchanged_file()
    {
        var parent = await FirstBackupAsync();
        Counting.UserNames = _ => "renamed-account";

        var second = await BackupAsync(null, parent);

        Assert.Equal(2, second.Stats.FilesUnmodified);
        Assert.Equal("renamed-account", (await FindNodeAsync(second.Snapshot.Tree, Kept))!.User);
        Assert.Equal("renamed-account", (await FindNodeAsync(second.Snapshot.Tree, Changed))!.User);
        await AssertSameAsReadingEverythingAsync(second);
    }

    /// <summary>The kept file's attribute in the backup is the given text, and the backup is what reading afresh gives.</summary>
    private async Task AssertKeptNoteAsync(Backup.Core.Archiving.BackupSummary summary, string note)
    {
        var kept = await FindNodeAsync(summary.Snapshot.Tree, Kept);
        Assert.Equal(note, Encoding.UTF8.GetString(Assert.Single(kept!.ExtendedAttributes!).Value));
        await AssertSameAsReadingEverythingAsync(summary);
    }

    /// <summary>A backup that ignores the parent and reads every file and attribute gives the same tree.</summary>
    private async Task AssertSameAsReadingEverythingAsync(Backup.Core.Archiving.BackupSummary summary)
    {
        await AssertSameAsReadAfreshAsync(summary);
        Assert.Contains(Kept, Counting.AttributeReads);
    }
}
