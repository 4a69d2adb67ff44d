using Backup.Linux.Fanotify;
using Backup.Linux.Tests.Infrastructure;

namespace Backup.Linux.Tests.Fanotify;

/// <summary>
/// A filesystem mark on a real tmpfs and a real loop-mounted ext4: the operations a backup must notice each
/// produce an event whose directory handle resolves to the right directory and whose name is the entry's.
/// </summary>
[Collection(FanotifyCollection.Name)]
public sealed class FanotifyGroupEventsTests
{
    [RequiresRootFact("mount")]
    public void TmpfsReportsEveryChangeWithDirectoryAndName()
    {
        using var scratch = ScratchMount.Tmpfs();
        ReportsEveryChangeWithDirectoryAndName(scratch);
    }

    [RequiresRootFact("mount", "mkfs.ext4", "truncate")]
    public void Ext4ReportsEveryChangeWithDirectoryAndName()
    {
        using var scratch = ScratchMount.Ext4();
        ReportsEveryChangeWithDirectoryAndName(scratch);
    }

    private static void ReportsEveryChangeWithDirectoryAndName(ScratchMount scratch)
    {
        var root = scratch["t"];
        string a = Path.Combine(root, "a"), b = Path.Combine(root, "b");
        Directory.CreateDirectory(root);
        using var group = FanotifyGroup.CreateChangeGroup();
        group.AddFilesystemMark(scratch.MountPoint, ChangeMask.Default);

        Directory.CreateDirectory(a);
        Directory.CreateDirectory(b);
        File.WriteAllText(Path.Combine(a, "f"), "content");
        File.SetUnixFileMode(Path.Combine(a, "f"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.SetUnixFileMode(a, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.Move(Path.Combine(a, "f"), Path.Combine(b, "g"));
        Directory.CreateDirectory(Path.Combine(a, "sub"));
        Directory.Move(Path.Combine(a, "sub"), Path.Combine(b, "sub2"));
        Shell.Ok($"ln {Shell.Quote(Path.Combine(b, "g"))} {Shell.Quote(Path.Combine(a, "h"))}");
        File.Delete(Path.Combine(b, "g"));
        Directory.CreateDirectory(Path.Combine(root, "c"));
        Directory.Delete(Path.Combine(root, "c"));
        File.WriteAllText(Path.Combine(root, "end"), string.Empty);

        var events = EventStream.ReadUntil(group, e => e.Mask.HasFlag(FanotifyMask.Create) && e.Infos.Any(i => i.Name == "end"));
        using var resolver = new HandleResolver(scratch.MountPoint);
        var stream = new ResolvedStream(events, resolver);

        stream.AssertHas(FanotifyMask.Create | FanotifyMask.OnDir, FanotifyInfoType.DfidName, root, "a");
        stream.AssertHas(FanotifyMask.Create, FanotifyInfoType.DfidName, a, "f");
        stream.AssertHas(FanotifyMask.Modify, FanotifyInfoType.DfidName, a, "f");
        stream.AssertHas(FanotifyMask.CloseWrite, FanotifyInfoType.DfidName, a, "f");
        stream.AssertHas(FanotifyMask.Attrib, FanotifyInfoType.DfidName, a, "f");
        stream.AssertHas(FanotifyMask.Attrib | FanotifyMask.OnDir, FanotifyInfoType.DfidName, a, ".");
        stream.AssertHas(FanotifyMask.Create, FanotifyInfoType.DfidName, a, "h");
        stream.AssertHas(FanotifyMask.Delete, FanotifyInfoType.DfidName, b, "g");
        stream.AssertHas(FanotifyMask.Create | FanotifyMask.OnDir, FanotifyInfoType.DfidName, root, "c");
        stream.AssertHas(FanotifyMask.Delete | FanotifyMask.OnDir, FanotifyInfoType.DfidName, root, "c");

        // A file rename: one event with both directories; no OnDir; made by this process.
        var fileRename = stream.Single(FanotifyMask.Rename, e => e.Infos.Any(i => i.Name == "f" && i.Type == FanotifyInfoType.OldDfidName));
        Assert.False(fileRename.Mask.HasFlag(FanotifyMask.OnDir), fileRename.ToString());
        Assert.Equal(Environment.ProcessId, fileRename.Pid);
        stream.AssertInfo(fileRename, FanotifyInfoType.OldDfidName, a, "f");
        stream.AssertInfo(fileRename, FanotifyInfoType.NewDfidName, b, "g");

        // A directory rename has OnDir, and the target FID names the moved directory itself.
        var directoryRename = stream.Single(FanotifyMask.Rename | FanotifyMask.OnDir, e => e.Infos.Any(i => i.Name == "sub"));
        stream.AssertInfo(directoryRename, FanotifyInfoType.OldDfidName, a, "sub");
        stream.AssertInfo(directoryRename, FanotifyInfoType.NewDfidName, b, "sub2");
        stream.AssertInfo(directoryRename, FanotifyInfoType.Fid, Path.Combine(b, "sub2"), null);

        // The handle in events is the one name_to_handle_at gives, and the fsid is the one statfs gives.
        Assert.Contains(events, e => e.Infos.Any(i => i.Type == FanotifyInfoType.DfidName && FileHandle.Of(a).Equals(i.Handle)));
        var fsid = FilesystemInfo.Of(scratch.MountPoint).Fsid;
        Assert.NotEqual(0UL, fsid.Value);
        Assert.All(events.SelectMany(e => e.Infos), i => Assert.Equal(fsid, i.Fsid));
    }

    /// <summary>Events with each handle resolved once, at the end, as the journal does it.</summary>
    private sealed class ResolvedStream(List<FanotifyEvent> events, HandleResolver resolver)
    {
        private readonly Dictionary<FileHandle, HandleResolution> resolved = [];

        public void AssertHas(FanotifyMask mask, FanotifyInfoType type, string directory, string name) =>
            Assert.True(
                events.Any(e => (e.Mask & mask) == mask && e.Infos.Any(i => Matches(i, type, directory, name))),
                $"no {mask} event with {type} ({directory}, '{name}') in:\n{Describe()}");

        public FanotifyEvent Single(FanotifyMask mask, Func<FanotifyEvent, bool> predicate)
        {
            var matching = events.Where(e => (e.Mask & mask) == mask && predicate(e)).ToList();
            Assert.True(matching.Count == 1, $"expected one {mask} event, found {matching.Count} in:\n{Describe()}");
            return matching[0];
        }

        public void AssertInfo(FanotifyEvent e, FanotifyInfoType type, string path, string? name) =>
            Assert.True(e.Infos.Any(i => Matches(i, type, path, name)), $"{e} has no {type} ({path}, '{name}'); resolved: {Describe()}");

        private bool Matches(FanotifyInfo info, FanotifyInfoType type, string path, string? name) =>
            info.Type == type && info.Name == name && info.Handle is not null && Resolve(info.Handle) is { Status: ResolutionStatus.Ok } r && r.Path == path;

        private HandleResolution Resolve(FileHandle handle)
        {
            if (!resolved.TryGetValue(handle, out var resolution))
            {
                resolved[handle] = resolution = resolver.Resolve(handle);
            }

            return resolution;
        }

        private string Describe() => string.Join(
            '\n',
            events.Select(e => $"{e.Mask} pid={e.Pid} " + string.Join(", ", e.Infos.Select(i => $"{i.Type}({(i.Handle is null ? "-" : Resolve(i.Handle).ToString())}, '{i.Name}')"))));
    }
}
