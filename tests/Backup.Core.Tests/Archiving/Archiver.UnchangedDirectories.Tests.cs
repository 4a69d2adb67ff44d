using System.Text;
using Backup.Core.Model;

namespace Backup.Core.Tests.Archiving;

/// <summary>
/// A directory whose entries are all the parent's unchanged nodes takes the parent's tree as it is, and an
/// unchanged directory keeps the parent's node; whatever did change about a directory itself still shows.
/// </summary>
public sealed class ArchiverUnchangedDirectoriesTests : PartialScanTestBase
{
    private string Outer => Source + "/outer";

    private string Inner => Source + "/outer/inner";

    private string Sibling => Source + "/sibling";

    /// <summary>outer/inner/file, outer/file and sibling/file; returns the first backup's snapshot ID.</summary>
    private async Task<string> FirstBackupAsync()
    {
        Directory.CreateDirectory(Inner);
        Directory.CreateDirectory(Sibling);
        WriteFile(Inner + "/file", "inner");
        WriteFile(Outer + "/file", "outer");
        WriteFile(Sibling + "/file", "sibling");
        var first = await BackupAsync(null);
        Tick();
        return first.SnapshotId.ToString();
    }

    [Fact]
    public async Task An_unchanged_tree_is_the_parents_and_a_change_deep_down_renews_only_the_directories_above_it()
    {
        var parent = await FirstBackupAsync();
        var unchanged = await BackupAsync(null, parent);
        var first = (await BackupAsync(null, force: true)).Snapshot.Tree;
        Assert.Equal(await BelowSharedTempAsync(first), await BelowSharedTempAsync(unchanged.Snapshot.Tree));

        File.AppendAllText(Inner + "/file", " again");
        var second = await BackupAsync(null, unchanged.SnapshotId.ToString());

        Assert.NotEqual(await BelowSharedTempAsync(first), await BelowSharedTempAsync(second.Snapshot.Tree));
        Assert.Equal((await FindNodeAsync(first, Sibling))!.Subtree, (await FindNodeAsync(second.Snapshot.Tree, Sibling))!.Subtree);
        Assert.NotEqual((await FindNodeAsync(first, Outer))!.Subtree, (await FindNodeAsync(second.Snapshot.Tree, Outer))!.Subtree);
        await AssertSameAsReadAfreshAsync(second);
    }

    [Fact]
    public async Task A_new_mode_of_a_directory_whose_entries_are_unchanged_is_recorded()
    {
        var parent = await FirstBackupAsync();
        File.SetUnixFileMode(Inner, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        var second = await BackupAsync(null, parent);

        var inner = await FindNodeAsync(second.Snapshot.Tree, Inner);
        Assert.Equal(0x800001C0u, inner!.Mode);
        await AssertSameAsReadAfreshAsync(second);
    }

    [Fact]
    public async Task A_directorys_attributes_read_now_replace_those_the_parent_lacks_although_its_ctime_is_the_same()
    {
        Directory.CreateDirectory(Inner);
        Files.SetExtendedAttribute(Inner, "user.note", Encoding.UTF8.GetBytes("there"));
        var parent = await FirstBackupWithHiddenAttributesAsync();

        var second = await BackupAsync(null, parent);

        var inner = await FindNodeAsync(second.Snapshot.Tree, Inner);
        Assert.Equal("there", Encoding.UTF8.GetString(Assert.Single(inner!.ExtendedAttributes!).Value));
        await AssertSameAsReadAfreshAsync(second);
    }

    [Fact]
    public async Task A_renamed_account_is_written_for_unchanged_directories()
    {
        var parent = await FirstBackupAsync();
        Counting.UserNames = _ => "renamed-account";

        var second = await BackupAsync(null, parent);

        Assert.Equal("renamed-account", (await FindNodeAsync(second.Snapshot.Tree, Inner))!.User);
        Assert.Equal("renamed-account", (await FindNodeAsync(second.Snapshot.Tree, Outer))!.User);
        await AssertSameAsReadAfreshAsync(second);
    }

    /// <summary>The first backup, taken while the inner directory's attributes read as none.</summary>
    private async Task<string> FirstBackupWithHiddenAttributesAsync()
    {
        Counting.HideAttributes = path => path == Inner;
        try
        {
            var parent = await FirstBackupAsync();
            Assert.Null((await FindNodeAsync((await BackupAsync(null, force: true)).Snapshot.Tree, Inner))!.ExtendedAttributes);
            return parent;
        }
        finally
        {
            Counting.HideAttributes = null;
        }
    }
}
