using Backup.Core.Archiving;
using Backup.Core.Model;

namespace Backup.Core.Tests.Archiving;

/// <summary>Journal-driven backups on precise scenarios: each must equal a full scan and skip what is clean.</summary>
public sealed class ArchiverPartialScanTests : PartialScanTestBase
{
    private Id _parentTree;

    private string A => Source + "/a";

    private string B => Source + "/b";

    /// <summary>src/a/{f1,f2,d/g1}, src/b/{h1,sub/h2}; returns the full backup's snapshot ID.</summary>
    private async Task<string> SampleAsync(ExcludeFilter? excludes = null, bool excludeCaches = false)
    {
        Directory.CreateDirectory(A + "/d");
        Directory.CreateDirectory(B + "/sub");
        WriteFile(A + "/f1", "one");
        WriteFile(A + "/f2", "two");
        WriteFile(A + "/d/g1", "g");
        WriteFile(B + "/h1", "h");
        WriteFile(B + "/sub/h2", "hh");
        var parent = await BackupAsync(null, excludes: excludes, excludeCaches: excludeCaches);
        _parentTree = parent.Snapshot.Tree;
        Tick();
        return parent.SnapshotId.ToString();
    }

    [Fact]
    public async Task Changed_file_lists_only_its_directory_and_never_stats_a_clean_sibling()
    {
        var parent = await SampleAsync();
        File.AppendAllText(A + "/f1", " more");
        Journal.Children(A);

        var (partial, full) = await PartialAndFullAsync(Journal.Plan(parent, Root));

        Assert.Equal(1, partial.Scan.DirectoriesVisited);
        Assert.Equal(5, full.Scan.DirectoriesVisited);
        Assert.Empty(Counting.TouchedUnder(B));
        Assert.Empty(Counting.TouchedUnder(A + "/d/g1"));
        Assert.Equal(1, partial.Stats.FilesChanged);
        Assert.Equal(1, partial.Stats.FilesUnmodified);
    }

    [Fact]
    public async Task Nothing_changed_reuses_the_parent_tree_without_listing_anything()
    {
        var parent = await SampleAsync();

        var (partial, _) = await PartialAndFullAsync(Journal.Plan(parent, Root));

        Assert.Equal(0, partial.Scan.DirectoriesVisited);
        Assert.Empty(Counting.TouchedUnder(A));
        Assert.Empty(Counting.TouchedUnder(B));
    }

    [Fact]
    public async Task Directory_deleted_and_recreated_empty_under_the_same_name_is_walked_not_reused()
    {
        var parent = await SampleAsync();
        Directory.Delete(A + "/d", recursive: true);
        Directory.CreateDirectory(A + "/d");
        Journal.Children(A);

        var (partial, _) = await PartialAndFullAsync(Journal.Plan(parent, Root));

        var d = await FindNodeAsync(partial.Snapshot.Tree, A + "/d");
        Assert.Empty((await LoadTreeAsync(d!.Subtree!.Value)).Nodes);
    }

    [Fact]
    public async Task Dirty_paths_that_vanished_are_ignored()
    {
        var parent = await SampleAsync();
        Directory.Delete(A + "/d", recursive: true);
        Journal.Children(A);
        var plan = Journal.Plan(
            parent,
            Root,
            new DirtyDirectory(A + "/d", DirtyFlags.Children | DirtyFlags.Self),
            new DirtyDirectory(B + "/never/existed", DirtyFlags.Children));

        var (partial, _) = await PartialAndFullAsync(plan);

        Assert.Null(await FindNodeAsync(partial.Snapshot.Tree, A + "/d"));
        // b is on the way to the vanished path: stat'ed for its own node, then the missing entry is looked up.
        Assert.Equal([B, B + "/never"], Counting.TouchedUnder(B));
    }

    [Fact]
    public async Task Dirty_path_that_is_now_a_file_is_archived_as_the_file()
    {
        var parent = await SampleAsync();
        Directory.Delete(A + "/d", recursive: true);
        WriteFile(A + "/d", "now a file");

        // Only the stale path, without its parent directory: the directory above is rebuilt from the parent snapshot.
        var (partial, _) = await PartialAndFullAsync(ScanPlan.Partial(parent, [new DirtyDirectory(A + "/d", DirtyFlags.Children)], []));

        Assert.Equal(NodeType.File, (await FindNodeAsync(partial.Snapshot.Tree, A + "/d"))!.Type);
        Assert.Equal(0, partial.Scan.DirectoriesVisited);
    }

    [Fact]
    public async Task Dirty_path_under_an_excluded_pattern_is_not_looked_at()
    {
        var excludes = new ExcludeFilter();
        excludes.Add("*.skip", "--exclude");
        Directory.CreateDirectory(A + "/c.skip/sub");
        var parent = await SampleAsync(excludes);
        WriteFile(A + "/c.skip/sub/new", "x");
        Journal.Children(A + "/c.skip/sub");

        var (partial, _) = await PartialAndFullAsync(Journal.Plan(parent, Root), excludes);

        Assert.Empty(Counting.TouchedUnder(A + "/c.skip"));
        Assert.Equal(0, partial.Scan.DirectoriesVisited);
        Assert.Null(await FindNodeAsync(partial.Snapshot.Tree, A + "/c.skip"));
    }

    [Fact]
    public async Task Dirty_paths_outside_the_backup_paths_are_ignored()
    {
        var parent = await SampleAsync();
        Directory.CreateDirectory(Root + "/elsewhere");
        WriteFile(Root + "/elsewhere/x", "x");
        Journal.Children(Root);
        Journal.Children(Root + "/elsewhere");

        var (partial, _) = await PartialAndFullAsync(Journal.Plan(parent, Root));

        Assert.Equal(0, partial.Scan.DirectoriesVisited);
        Assert.Empty(Counting.TouchedUnder(Root + "/elsewhere"));
        Assert.Empty(Counting.TouchedUnder(A));
    }

    [Fact]
    public async Task Cache_directory_tag_created_in_a_dirty_directory_leaves_only_the_tag_as_a_full_scan_does()
    {
        var parent = await SampleAsync(excludeCaches: true);
        File.WriteAllText(A + "/d/CACHEDIR.TAG", "Signature: 8a477f597d28d172789f06886806bc55\n");
        Journal.Children(A + "/d");

        var (partial, _) = await PartialAndFullAsync(Journal.Plan(parent, Root), excludeCaches: true);

        Assert.NotNull(await FindNodeAsync(partial.Snapshot.Tree, A + "/f1"));
        var directory = await FindNodeAsync(partial.Snapshot.Tree, A + "/d");
        Assert.NotNull(directory);
        Assert.Equal(["CACHEDIR.TAG"], (await LoadTreeAsync(directory.Subtree!.Value)).Nodes.Select(n => n.Name));
    }

    [Fact]
    public async Task Chmod_of_a_directory_with_only_self_restats_it_without_listing()
    {
        var parent = await SampleAsync();
        File.SetUnixFileMode(A + "/d", UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        Journal.Self(A + "/d");

        var (partial, _) = await PartialAndFullAsync(Journal.Plan(parent, Root));

        Assert.Equal(0, partial.Scan.DirectoriesVisited);
        Assert.Contains(A + "/d", Counting.Stats);
        Assert.Empty(Counting.TouchedUnder(A + "/d/g1"));
        Assert.Empty(Counting.TouchedUnder(A + "/f1"));
        Assert.NotEqual(_parentTree, partial.Snapshot.Tree);
        var node = await FindNodeAsync(partial.Snapshot.Tree, A + "/d");
        Assert.Equal(Convert.ToUInt32("700", 8), node!.Mode & Convert.ToUInt32("777", 8));
    }

    [Fact]
    public async Task Hard_link_to_a_file_in_a_clean_directory_updates_its_link_count_there()
    {
        var parent = await SampleAsync();
        Files.CreateHardLink(B + "/sub/h2", A + "/link");
        Journal.Children(A);
        Journal.ChangedInode(A + "/link");

        var (partial, _) = await PartialAndFullAsync(Journal.Plan(parent, Root));

        Assert.Equal(2ul, (await FindNodeAsync(partial.Snapshot.Tree, B + "/sub/h2"))!.Links);
        Assert.Empty(Counting.TouchedUnder(B + "/h1"));
    }

    [Fact]
    public async Task Hard_link_is_found_from_the_new_link_alone_when_the_journal_names_no_inode()
    {
        var parent = await SampleAsync();
        Files.CreateHardLink(B + "/sub/h2", A + "/link");
        Journal.Children(A);

        var (partial, _) = await PartialAndFullAsync(Journal.Plan(parent, Root));

        Assert.Equal(2ul, (await FindNodeAsync(partial.Snapshot.Tree, B + "/sub/h2"))!.Links);
    }

    [Fact]
    public async Task Removing_one_of_two_links_updates_the_other_in_a_clean_directory()
    {
        Directory.CreateDirectory(B);
        WriteFile(B + "/h1", "h");
        Directory.CreateDirectory(A);
        Files.CreateHardLink(B + "/h1", A + "/h1");
        var first = await BackupAsync(null);
        var parent = first.SnapshotId.ToString();
        Assert.Equal(2ul, (await FindNodeAsync(first.Snapshot.Tree, B + "/h1"))!.Links);
        Tick();
        File.Delete(A + "/h1");
        Journal.Children(A);

        var (partial, _) = await PartialAndFullAsync(Journal.Plan(parent, Root));

        Assert.Equal(1ul, (await FindNodeAsync(partial.Snapshot.Tree, B + "/h1"))!.Links);
    }

    [Fact]
    public async Task Deleting_a_tree_that_held_a_link_updates_the_link_left_in_a_clean_directory()
    {
        var parent = await SampleAsync();
        Files.CreateHardLink(B + "/h1", A + "/d/h1");
        parent = (await BackupAsync(null)).SnapshotId.ToString();
        Tick();
        Directory.Delete(A + "/d", recursive: true);
        Journal.Children(A);

        var (partial, _) = await PartialAndFullAsync(Journal.Plan(parent, Root));

        Assert.Equal(1ul, (await FindNodeAsync(partial.Snapshot.Tree, B + "/h1"))!.Links);
    }

    [Fact]
    public async Task Link_removed_in_a_directory_that_became_a_cache_directory_updates_the_other_link()
    {
        var parent = await SampleAsync(excludeCaches: true);
        Files.CreateHardLink(B + "/h1", A + "/d/h1");
        parent = (await BackupAsync(null, excludeCaches: true)).SnapshotId.ToString();
        Tick();
        File.Delete(A + "/d/h1");
        File.WriteAllText(A + "/d/CACHEDIR.TAG", "Signature: 8a477f597d28d172789f06886806bc55\n");
        Journal.Children(A + "/d");

        var (partial, _) = await PartialAndFullAsync(Journal.Plan(parent, Root), excludeCaches: true);

        Assert.Equal(1ul, (await FindNodeAsync(partial.Snapshot.Tree, B + "/h1"))!.Links);
    }

    [Fact]
    public async Task Moved_directory_is_walked_in_full()
    {
        var parent = await SampleAsync();
        Directory.Move(A + "/d", B + "/sub/moved");
        Journal.Children(A);
        Journal.Children(B + "/sub");
        Journal.Recursive(B + "/sub/moved");

        var (partial, _) = await PartialAndFullAsync(Journal.Plan(parent, Root));

        Assert.Contains(B + "/sub/moved/g1", Counting.Stats);
        Assert.Empty(Counting.TouchedUnder(B + "/h1"));
    }

    [Fact]
    public async Task Missing_parent_snapshot_makes_the_scan_full_and_says_why()
    {
        await SampleAsync();
        var missing = new string('a', 64);
        Journal.Children(A);

        var summary = await BackupAsync(Journal.Plan(missing, Root));

        Assert.Equal(ScanReport.Full, summary.Scan.Kind);
        Assert.Equal($"parent snapshot {missing} not found", summary.Scan.Reason);
        Assert.Equal(5, summary.Scan.DirectoriesVisited);
    }

    [Fact]
    public async Task Force_makes_the_scan_full()
    {
        var parent = await SampleAsync();

        var summary = await BackupAsync(Journal.Plan(parent, Root), force: true);

        Assert.Equal(ScanReport.Full, summary.Scan.Kind);
        Assert.Equal("forced", summary.Scan.Reason);
        Assert.Null(summary.ParentId);
    }

    [Fact]
    public async Task No_plan_is_a_full_scan_for_want_of_a_change_journal()
    {
        await SampleAsync();

        var summary = await BackupAsync(null);

        Assert.Equal(new ScanReport(ScanReport.Full, "no change journal", 5), summary.Scan);
    }

    [Fact]
    public async Task Recreated_backup_path_is_walked_even_without_events_inside()
    {
        var parent = await SampleAsync();
        Directory.Delete(Source, recursive: true);
        Directory.CreateDirectory(Source + "/z");
        Journal.Children(Root);

        var (partial, _) = await PartialAndFullAsync(Journal.Plan(parent, Root));

        Assert.Null(await FindNodeAsync(partial.Snapshot.Tree, A));
        Assert.NotNull(await FindNodeAsync(partial.Snapshot.Tree, Source + "/z"));
    }
}
