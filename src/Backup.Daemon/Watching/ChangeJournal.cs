using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Backup.Core.Archiving;
using Backup.Daemon.Configuration;
using Backup.Daemon.Scheduling;
using Backup.Linux.Btrfs;
using Backup.Linux.Fanotify;
using Serilog;

namespace Backup.Daemon.Watching;

/// <summary>
/// The change journal: one fanotify group with a filesystem mark on every filesystem that holds a watched job's
/// sources, a reader thread that merges events in memory and never waits on the database, a flusher that writes
/// them in batches, and a mount watcher that turns an unmount or remount into a gap. A job asks for a
/// <see cref="JournalCut"/> when its run starts and commits it once its snapshot is saved.
/// Whenever continuity is in doubt the cut says "full" and why; see docs/architecture.md.
/// </summary>
public sealed class ChangeJournal : IDisposable
{
    private const int ReadBufferSize = 256 * 1024;
    private const string NotMounted = "not mounted";
    private static readonly TimeSpan FlushInterval = TimeSpan.FromSeconds(2);

    private readonly ILogger _log;
    private readonly IClock _clock;
    private readonly string _runtimeDirectory;
    private readonly int _queueLength;
    private readonly JournalStore _store;
    private readonly PendingChanges _pending = new(1_000_000);
    private readonly Lock _readLock = new();
    private readonly Lock _flushLock = new();
    private readonly Lock _watchLock = new();
    private readonly Lock _cutLock = new();
    private readonly Dictionary<ulong, WatchedFilesystem> _byDevice = new();
    private readonly Dictionary<Fsid, WatchedFilesystem> _byFsid = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Thread> _threads = new();
    private readonly List<FanotifyEvent> _events = new();
    private readonly List<(Fsid, FileHandle)> _created = new();
    private readonly byte[] _buffer = new byte[ReadBufferSize];
    private FanotifyGroup? _group;
    private NewDirectoryMarks? _newDirectories;
    private volatile Dictionary<Fsid, string> _markPaths = new();
    private MountWatcher? _mounts;
    private long _eventsRead;

    public ChangeJournal(string databasePath, string runtimeDirectory, int queueLength, ILogger log, IClock clock)
    {
        _log = log;
        _clock = clock;
        _runtimeDirectory = runtimeDirectory;
        _queueLength = queueLength;
        _store = new JournalStore(databasePath);
    }

    /// <summary>Why the journal is not running (no fanotify, no privilege), or null when it runs.</summary>
    public string? Failure { get; private set; } = "not started";

    public long EventsRead => Interlocked.Read(ref _eventsRead);

    /// <summary>Creates the fanotify group and starts the reader, flusher and mount watcher; on failure every run is full.</summary>
    public void Start()
    {
        try
        {
            RaiseQueueLength();
            _group = FanotifyGroup.CreateChangeGroup();
            _newDirectories = new NewDirectoryMarks(_group, _log);
            Failure = null;
        }
        catch (Exception e)
        {
            Failure = e.Message;
            _log.Warning("the change journal cannot run, every backup will scan its sources in full: {Error}", e.Message);
            return;
        }

        try
        {
            _mounts = MountWatcher.Create();
        }
        catch (Exception e)
        {
            _log.Warning("unmounts cannot be noticed at once ({Error}); marks are checked every flush instead", e.Message);
        }

        StartThread("journal reader", ReadLoop);
        StartThread("journal flusher", FlushLoop);
        if (_mounts is not null)
        {
            StartThread("journal mounts", MountLoop);
        }
    }

    /// <summary>Makes sure every filesystem holding a watched job's sources is marked; call at start and after a reload.</summary>
    public void Watch(IEnumerable<JobDefinition> jobs)
    {
        if (_group is null)
        {
            return;
        }

        var mounts = MountTable.Read();
        lock (_watchLock)
        {
            foreach (var job in jobs.Where(j => j.Watch))
            {
                foreach (var device in SourceFilesystems(job, mounts).Select(f => f.Mount.Device).Distinct())
                {
                    if (!_byDevice.TryGetValue(device, out var fs) || fs.Error == NotMounted)
                    {
                        Mark(device, mounts);
                    }
                }
            }
        }
    }

    /// <summary>
    /// Takes the cut for a run of <paramref name="job"/>: drains the kernel queue so every change made before now is
    /// included, and returns the scan plan relative to the job's last committed backup.
    /// </summary>
    public JournalCut Cut(JobDefinition job, bool forceFull, PhaseTimer? timer = null)
    {
        var now = _clock.Now;

        // A filesystem mounted under the sources since the last run (or mounted again) is marked now, for the next runs.
        Watch([job]);
        var mounts = MountTable.Read();
        var configHash = ConfigHash(job);
        var mountSignature = MountSignature(job, mounts);
        timer?.Mark("mounts");
        lock (_cutLock)
        {
            List<WatchedFilesystem> filesystems;
            string? reason = null;
            lock (_watchLock)
            {
                filesystems = SourceFilesystems(job, mounts).Select(f => _byDevice.GetValueOrDefault(f.Mount.Device)).OfType<WatchedFilesystem>().Distinct().ToList();
            }

            // Checkpoints first: everything after them is findable by generation, everything before the cut is in this backup.
            var btrfs = Checkpoints(filesystems);
            long seq;
            string? marksKept = null;
            lock (_readLock)
            {
                try
                {
                    // Changes inside new directories are reported again from here on (for the next run); the reader
                    // places no mark until the sequence number is taken (see NewDirectoryMarks).
                    _newDirectories?.RemoveAll();
                }
                catch (Exception e)
                {
                    marksKept = e.Message;
                    reason = $"the change journal could not stop ignoring new directories: {e.Message}";
                }

                try
                {
                    Drain();
                    Flush();
                }
                catch (Exception e)
                {
                    reason ??= $"the change journal could not be brought up to date: {e.Message}";
                }

                seq = _store.CurrentSeq();
            }

            if (marksKept is not null)
            {
                // The marks still hide changes, now of the next run's window.
                _pending.AddGap($"ignore marks on new directories could not be removed: {marksKept}");
            }

            timer?.Mark("drain");

            var previous = _store.Job(job.Name);
            reason ??= WhyFull(job, forceFull, previous, configHash, mountSignature, mounts, filesystems, now);
            ScanPlan plan;
            if (reason is not null)
            {
                plan = ScanPlan.Full(reason);
            }
            else
            {
                plan = PartialPlan(job, previous!, filesystems, mounts, timer, out var unresolved) ?? ScanPlan.Full(unresolved!);
            }

            timer?.Mark("plan");

            return new JournalCut(job.Name, seq, now, plan, configHash, mountSignature, btrfs, previous?.LastFull);
        }
    }

    /// <summary>Records that the run of <paramref name="cut"/> saved <paramref name="snapshotId"/>: changes up to the cut are done with.</summary>
    public void Commit(JournalCut cut, string snapshotId, ScanReport scan)
    {
        var lastFull = scan.Kind == "full" ? cut.At : cut.PreviousFull ?? cut.At;
        _store.Commit(new JobCut(cut.Job, cut.Seq, cut.At, snapshotId, cut.ConfigHash, cut.Mounts, lastFull), cut.Btrfs);
    }

    /// <summary>The journal's view of <paramref name="job"/> for `backupctl status`.</summary>
    public JsonObject Status(JobDefinition job)
    {
        var mounts = MountTable.Read();
        var previous = _store.Job(job.Name);
        List<WatchedFilesystem> filesystems;
        lock (_watchLock)
        {
            filesystems = SourceFilesystems(job, mounts).Select(f => _byDevice.GetValueOrDefault(f.Mount.Device)).OfType<WatchedFilesystem>().Distinct().ToList();
        }

        var reason = WhyFull(job, false, previous, ConfigHash(job), MountSignature(job, mounts), mounts, filesystems, _clock.Now);
        var since = filesystems.Count == 0 ? null : filesystems.Select(f => f.WatchingSince).Min();
        return new JsonObject
        {
            ["watching"] = job.Watch && Failure is null && filesystems.Count > 0 && filesystems.All(f => f.Error is null),
            ["watching_since"] = since?.ToString("o"),
            ["filesystems"] = new JsonArray(filesystems.Select(f => (JsonNode?)new JsonObject
            {
                ["mark"] = f.MarkPath,
                ["type"] = f.FsType,
                ["error"] = f.Error,
            }).ToArray()),
            ["dirty_directories"] = previous is null ? null : filesystems.Sum(f => _store.DirtyCount(f.FsId, previous.Seq)),
            ["last_cut"] = previous?.At.ToString("o"),
            ["last_full_scan"] = previous?.LastFull.ToString("o"),
            ["next_scan"] = new JsonObject { ["kind"] = reason is null ? "journal" : "full", ["reason"] = reason },
            ["error"] = Failure,
        };
    }

    public void Dispose()
    {
        _stop.Cancel();
        foreach (var thread in _threads)
        {
            thread.Join(TimeSpan.FromSeconds(5));
        }

        try
        {
            Flush();
        }
        catch (Exception e)
        {
            _log.Warning("the last changes could not be written to the journal: {Error}", e.Message);
        }

        lock (_watchLock)
        {
            foreach (var fs in _byDevice.Values)
            {
                _store.StopWatching(fs.FsId);
                if (fs.PrivateMount)
                {
                    TryUnmount(fs.MarkPath);
                }
            }
        }

        _group?.Dispose();
        _mounts?.Dispose();
        _store.Dispose();
        _stop.Dispose();
    }

    private string? WhyFull(JobDefinition job, bool forceFull, JobCut? previous, string configHash, string mounts, IReadOnlyList<MountEntry> table, IReadOnlyList<WatchedFilesystem> filesystems, DateTimeOffset now)
    {
        if (forceFull)
        {
            return "a full scan was requested";
        }

        if (!job.Watch)
        {
            return "the job does not keep a change journal (watch: false)";
        }

        if (Failure is not null)
        {
            return $"the change journal is not running: {Failure}";
        }

        if (previous is null)
        {
            return "this is the first backup of the job with the change journal";
        }

        if (previous.ConfigHash != configHash)
        {
            return "the job's sources, excludes or options changed since its last backup";
        }

        if (previous.Mounts != mounts)
        {
            return "filesystems were mounted or unmounted under the job's sources since its last backup";
        }

        foreach (var (source, mount) in SourceFilesystems(job, table))
        {
            var fs = filesystems.FirstOrDefault(f => f.Device == mount.Device);
            if (fs is null)
            {
                return $"{source} ({mount.FsType} at {mount.MountPoint}) is not watched yet";
            }

            if (fs.Error is not null)
            {
                return $"{source} cannot be watched: {fs.Error}";
            }
        }

        if (now - previous.LastFull >= job.FullScanEvery)
        {
            return $"the periodic full scan is due (full_scan_every: {Duration.Format(job.FullScanEvery)}; the last was at {previous.LastFull.ToLocalTime():yyyy-MM-dd HH:mm:ss zzz})";
        }

        foreach (var fs in filesystems)
        {
            if (_store.FirstGapAfter(fs.FsId, previous.Seq) is { } gap)
            {
                return $"{gap.Reason} ({fs.MarkPath}, {gap.At.ToLocalTime():yyyy-MM-dd HH:mm:ss zzz})";
            }
        }

        return null;
    }

    /// <summary>The changed directories since the job's last cut, resolved to paths now; null (with the reason) when one cannot be.</summary>
    private ScanPlan? PartialPlan(JobDefinition job, JobCut previous, IReadOnlyList<WatchedFilesystem> filesystems, IReadOnlyList<MountEntry> mounts, PhaseTimer? timer, out string? unresolved)
    {
        unresolved = null;
        var sources = job.Sources.Select(s => Path.TrimEndingDirectorySeparator(Path.GetFullPath(s))).ToList();
        var dirty = new Dictionary<string, DirtyFlags>(StringComparer.Ordinal);
        void Add(string path, DirtyFlags flags)
        {
            foreach (var source in sources)
            {
                if (JournalPaths.IsAtOrUnder(path, source))
                {
                    dirty[path] = dirty.GetValueOrDefault(path) | flags;
                }
                else if (JournalPaths.IsAtOrUnder(source, path))
                {
                    // A change above a source (the source itself replaced or renamed): look at the source again.
                    dirty[source] = dirty.GetValueOrDefault(source) | DirtyFlags.Children | DirtyFlags.Self;
                }
            }
        }

        var inodes = new List<InodeKey>();
        foreach (var fs in filesystems)
        {
            var handles = _store.DirtyHandles(fs.FsId, previous.Seq);
            if (handles.Count > 0)
            {
                using var resolver = new HandleResolver(fs.MarkPath);
                foreach (var row in handles)
                {
                    var resolution = resolver.Resolve(FileHandle.FromArray(row.Handle));
                    switch (resolution.Status)
                    {
                        case ResolutionStatus.Ok:
                            foreach (var path in JournalPaths.Visible(fs.ToFilesystemPath(resolution.Path!), fs.Device, mounts))
                            {
                                Add(path, row.Flags);
                            }

                            break;
                        case ResolutionStatus.Deleted:
                            // Its deletion was reported in the surviving parent, which is in the journal too.
                            break;
                        default:
                            unresolved = $"a changed directory on {fs.MarkPath} could not be found again ({resolution.Status.ToString().ToLowerInvariant()}{(resolution.Errno != 0 ? $", errno {resolution.Errno}" : "")})";
                            return null;
                    }
                }
            }

            foreach (var row in _store.DirtyPaths(fs.FsId, previous.Seq))
            {
                foreach (var path in JournalPaths.Visible(row.Path, fs.Device, mounts))
                {
                    Add(path, row.Flags);
                }
            }

            inodes.AddRange(_store.Inodes(fs.FsId, previous.Seq));
        }

        timer?.Mark("resolve");

        // Writers through shared mappings or Linux AIO produce no event until they close: look at their directories now.
        foreach (var file in OpenWriters.Find(path => sources.Any(s => JournalPaths.IsAtOrUnder(path, s))))
        {
            Add(JournalPaths.Parent(file), DirtyFlags.Children);
        }

        timer?.Mark("writers");
        return ScanPlan.Partial(previous.SnapshotId, dirty.Select(d => new DirtyDirectory(d.Key, d.Value)), inodes);
    }

    private List<(long FsId, ulong Subvolume, ulong Generation)> Checkpoints(IEnumerable<WatchedFilesystem> filesystems)
    {
        var result = new List<(long, ulong, ulong)>();
        foreach (var fs in filesystems.Where(f => f.FsType == "btrfs" && f.Error is null))
        {
            try
            {
                BtrfsFilesystem.Sync(fs.MarkPath);
                foreach (var subvolume in BtrfsFilesystem.ListSubvolumes(fs.MarkPath))
                {
                    result.Add((fs.FsId, subvolume.Id, subvolume.Generation));
                }
            }
            catch (Exception e)
            {
                // Without a checkpoint a restart costs a full scan; the backup itself is not affected.
                _log.Warning("btrfs generations of {Path} could not be recorded: {Error}", fs.MarkPath, e.Message);
            }
        }

        return result;
    }

    private void Mark(ulong device, IReadOnlyList<MountEntry> mounts)
    {
        var mount = mounts.First(m => m.Device == device);
        var fsRow = _store.Filesystem(device, mount.FsType, mount.MountPoint);
        var fs = new WatchedFilesystem(fsRow.FsId, device, mount.FsType);
        try
        {
            var why = FilesystemInfo.WhyUnwatchable(FilesystemInfo.Of(mount.MountPoint));
            if (why is not null)
            {
                throw new InvalidOperationException($"{mount.FsType} at {mount.MountPoint}: {why}");
            }

            // The mark and the handle resolver need a mount of the filesystem's root; btrfs: the top-level subvolume.
            var root = mounts.FirstOrDefault(m => m.Device == device && m.Root == "/");
            if (root is null && mount.FsType == "btrfs")
            {
                var target = Path.Combine(_runtimeDirectory, "journal", $"fs-{device}");
                Directory.CreateDirectory(Path.GetDirectoryName(target)!, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                BtrfsFilesystem.MountTopLevel(mount.Source, target);
                fs.PrivateMount = true;
                fs.MarkPath = target;
                fs.MountRoot = "/";
            }
            else
            {
                fs.MarkPath = (root ?? mount).MountPoint;
                fs.MountRoot = (root ?? mount).Root;
            }

            fs.MountId = mounts.FirstOrDefault(m => m.MountPoint == fs.MarkPath && m.Device == device)?.MountId ?? -1;
            _group!.AddFilesystemMark(fs.MarkPath, ChangeMask.Default);
            fs.Fsid = FilesystemInfo.Of(fs.MarkPath).Fsid;
            var now = _clock.Now;
            var bridged = fs.FsType == "btrfs" ? Bridge(fs) : null;
            _store.StartWatching(fs.FsId, now, bridged is null ? "backupd started watching; changes made before then are not in the journal" : null);
            fs.WatchingSince = now;
            _log.Information("change journal: watching {FsType} filesystem at {Path}{Bridge}", fs.FsType, fs.MarkPath, bridged is null ? "" : $" ({bridged})");
        }
        catch (Exception e)
        {
            fs.Error = e.Message;
            _log.Warning("change journal: cannot watch {FsType} at {Path}, jobs on it scan in full: {Error}", mount.FsType, mount.MountPoint, e.Message);
        }

        if (_byDevice.Remove(device, out var old) && old.Fsid is { } oldFsid)
        {
            _byFsid.Remove(oldFsid);
        }

        _byDevice[device] = fs;
        if (fs.Fsid is { } fsid)
        {
            _byFsid[fsid] = fs;
        }

        PublishMarkPaths();
    }

    /// <summary>
    /// btrfs: what changed since the last checkpoint, found by generation, recorded as changed paths instead of a gap.
    /// Returns a description, or null when there is no checkpoint or it cannot be used.
    /// </summary>
    private string? Bridge(WatchedFilesystem fs)
    {
        var checkpoints = _store.BtrfsCheckpoints(fs.FsId);
        if (checkpoints.Count == 0)
        {
            return null;
        }

        try
        {
            var paths = new Dictionary<string, DirtyFlags>(StringComparer.Ordinal);
            var inodes = 0;
            foreach (var subvolume in BtrfsFilesystem.ListSubvolumes(fs.MarkPath))
            {
                var prefix = subvolume.Path is null or "" ? "/" : "/" + subvolume.Path;
                if (!checkpoints.TryGetValue(subvolume.Id, out var checkpoint))
                {
                    // Created since the checkpoint: all of it is new.
                    paths[prefix] = paths.GetValueOrDefault(prefix) | DirtyFlags.Recursive;
                    paths[JournalPaths.Parent(prefix)] = paths.GetValueOrDefault(JournalPaths.Parent(prefix)) | DirtyFlags.Children;
                    continue;
                }

                var subvolumePath = JournalPaths.Join(fs.MarkPath, prefix);
                foreach (var changed in BtrfsFilesystem.ChangedSince(subvolumePath, checkpoint.Generation))
                {
                    inodes++;
                    foreach (var relative in BtrfsFilesystem.InodePaths(subvolumePath, changed.Inode))
                    {
                        var path = relative.Length == 0 ? prefix : JournalPaths.Join(prefix, "/" + relative);
                        var directory = changed.IsDirectory ? path : JournalPaths.Parent(path);
                        paths[directory] = paths.GetValueOrDefault(directory) | DirtyFlags.Children | (changed.IsDirectory ? DirtyFlags.Self : 0);
                    }

                    if (changed.Inode == 256)
                    {
                        // The subvolume's root directory: its entry lives in the parent subvolume's directory.
                        paths[JournalPaths.Parent(prefix)] = paths.GetValueOrDefault(JournalPaths.Parent(prefix)) | DirtyFlags.Children;
                    }
                }
            }

            _store.Record([], paths.Select(p => (fs.FsId, p.Key, p.Value)), [], [], _clock.Now);
            return $"bridged the time it was not watched with btrfs generations: {inodes} changed inodes in {paths.Count} directories";
        }
        catch (Exception e)
        {
            _log.Warning("change journal: btrfs generations of {Path} could not bridge the gap, its jobs scan in full: {Error}", fs.MarkPath, e.Message);
            return null;
        }
    }

    private void ReadLoop()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                if (!_group!.WaitReadable(250))
                {
                    continue;
                }

                int read;
                lock (_readLock)
                {
                    read = ReadOnce(markNewDirectories: true);
                }

                // Let events gather (and merge in the kernel) instead of waking for each one; but while directories
                // are being made, read at once, so that each is marked before its files are.
                if (read > 0 && read < ReadBufferSize / 2 && _newDirectories?.PlacedRecently != true)
                {
                    Thread.Sleep(20);
                }
            }
            catch (Exception e) when (!_stop.IsCancellationRequested)
            {
                _pending.AddGap($"reading change events failed: {e.Message}");
                _log.Error("change journal: reading events failed, the next backups scan in full: {Error}", e.Message);
                Thread.Sleep(1000);
            }
        }
    }

    private int ReadOnce(bool markNewDirectories)
    {
        var read = _group!.Read(_buffer);
        if (read == 0)
        {
            return 0;
        }

        _events.Clear();
        _created.Clear();
        try
        {
            FanotifyEventParser.Parse(_buffer.AsSpan(0, read), _events);
        }
        finally
        {
            var pid = Environment.ProcessId;
            foreach (var e in _events)
            {
                EventTranslator.Translate(e, pid, _pending);
                if (markNewDirectories && EventTranslator.CreatedDirectory(e, pid) is { } created)
                {
                    _created.Add(created);
                }
            }

            Interlocked.Add(ref _eventsRead, _events.Count);
        }

        if (_created.Count > 0)
        {
            var markPaths = _markPaths;
            _newDirectories!.Place(_created, fsid => markPaths.GetValueOrDefault(fsid), _pending);
        }

        return read;
    }

    /// <summary>Reads everything the kernel has queued, on the calling thread, marking no new directory.</summary>
    private void Drain()
    {
        if (_group is null)
        {
            return;
        }

        lock (_readLock)
        {
            while (ReadOnce(markNewDirectories: false) > 0)
            {
            }
        }
    }

    private void FlushLoop()
    {
        while (!_stop.Token.WaitHandle.WaitOne(FlushInterval))
        {
            try
            {
                Flush();
                CheckMarks();
            }
            catch (Exception e)
            {
                _log.Error("change journal: writing changes failed, the next backups scan in full: {Error}", e.Message);
                _pending.AddGap($"writing the change journal failed: {e.Message}");
            }
        }
    }

    /// <summary>
    /// Writes what the reader gathered in one transaction; objects reported without a directory are resolved here.
    /// A batch that cannot be written is gone from memory too, so it becomes a gap, written with the next batch that
    /// can be: whichever caller saw the failure (the flusher, a cut, shutdown), no later run trusts the journal
    /// across it, even if the run that saw it fails and never commits its cut.
    /// </summary>
    private void Flush()
    {
        lock (_flushLock)
        {
            var batch = _pending.Take();
            if (batch.IsEmpty)
            {
                return;
            }

            try
            {
                Write(batch);
            }
            catch (Exception e)
            {
                _pending.AddGap($"writing the change journal failed: {e.Message}");
                throw;
            }
        }
    }

    private void Write(PendingBatch batch)
    {
        Dictionary<Fsid, WatchedFilesystem> byFsid;
        lock (_watchLock)
        {
            byFsid = new Dictionary<Fsid, WatchedFilesystem>(_byFsid);
        }

        var directories = new List<(long, byte[], DirtyFlags, string?)>();
        foreach (var ((fsid, handle), flags) in batch.Directories)
        {
            if (byFsid.GetValueOrDefault(fsid) is { } fs)
            {
                directories.Add((fs.FsId, handle.ToArray(), flags, null));
            }
        }

        var paths = new List<(long, string, DirtyFlags)>();
        var inodes = new List<(long, ulong, ulong)>();
        var gaps = new List<(long, string)>();
        foreach (var group in batch.Inodes.GroupBy(i => i.Fsid))
        {
            if (byFsid.GetValueOrDefault(group.Key) is not { } fs)
            {
                continue;
            }

            using var resolver = new HandleResolver(fs.MarkPath);
            foreach (var (_, handle) in group)
            {
                var inode = resolver.ResolveInode(handle);
                switch (inode.Status)
                {
                    case ResolutionStatus.Deleted:
                        break;
                    case ResolutionStatus.Ok or ResolutionStatus.Unreachable when inode.Inode != 0:
                        inodes.Add((fs.FsId, inode.Device, inode.Inode));
                        if (inode.Status == ResolutionStatus.Ok)
                        {
                            var path = fs.ToFilesystemPath(inode.Path!);
                            paths.Add((fs.FsId, inode.IsDirectory ? path : JournalPaths.Parent(path), DirtyFlags.Children | (inode.IsDirectory ? DirtyFlags.Self : 0)));
                        }

                        break;
                    default:
                        gaps.Add((fs.FsId, $"a changed object on {fs.MarkPath} could not be located ({inode.Status.ToString().ToLowerInvariant()})"));
                        break;
                }
            }
        }

        if (batch.Gap is { } gap)
        {
            gaps.AddRange(byFsid.Values.Select(fs => (fs.FsId, gap)));
        }

        _store.Record(directories, paths, inodes, gaps, _clock.Now);
    }

    private void MountLoop()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                if (_mounts!.WaitForChange(500))
                {
                    CheckMarks();
                }
            }
            catch (Exception e) when (!_stop.IsCancellationRequested)
            {
                _log.Warning("change journal: watching mounts failed: {Error}", e.Message);
                Thread.Sleep(1000);
            }
        }
    }

    /// <summary>A filesystem mark vanishes silently when its filesystem is unmounted: record the gap and mark it again.</summary>
    private void CheckMarks()
    {
        if (_group is null)
        {
            return;
        }

        var mounts = MountTable.Read();
        var marked = _group.MarkedDevices();
        lock (_watchLock)
        {
            foreach (var fs in _byDevice.Values.Where(f => f.Error == NotMounted).ToList())
            {
                if (mounts.Any(m => m.Device == fs.Device))
                {
                    Mark(fs.Device, mounts);
                }
            }

            foreach (var fs in _byDevice.Values.Where(f => f.Error is null).ToList())
            {
                // The mark dies with the superblock; a new mount of the filesystem gets a new mount id.
                if (mounts.Any(m => m.MountId == fs.MountId) && marked.Contains(fs.Device))
                {
                    continue;
                }

                _store.Record([], [], [], [(fs.FsId, $"the {fs.FsType} filesystem at {fs.MarkPath} was unmounted or remounted, so changes may have been made elsewhere")], _clock.Now);
                _log.Warning("change journal: the filesystem at {Path} was unmounted or remounted; its jobs scan in full next time", fs.MarkPath);
                if (mounts.Any(m => m.Device == fs.Device))
                {
                    Mark(fs.Device, mounts);
                }
                else
                {
                    fs.Error = NotMounted;
                    PublishMarkPaths();
                }
            }
        }
    }

    /// <summary>The reader's view of where each watched filesystem's handles open (it must not wait for the watch lock).</summary>
    private void PublishMarkPaths() =>
        _markPaths = _byFsid.Where(f => f.Value.Error is null).ToDictionary(f => f.Key, f => f.Value.MarkPath);

    private void RaiseQueueLength()
    {
        const string Sysctl = "/proc/sys/fs/fanotify/max_queued_events";
        try
        {
            var current = int.Parse(File.ReadAllText(Sysctl).Trim(), System.Globalization.CultureInfo.InvariantCulture);
            if (current < _queueLength)
            {
                File.WriteAllText(Sysctl, _queueLength.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            _log.Warning("could not raise fs.fanotify.max_queued_events to {Length} ({Error}); set it with sysctl, or a busy filesystem may overflow the queue and cost full scans", _queueLength, e.Message);
        }
    }

    private void StartThread(string name, Action body)
    {
        var thread = new Thread(() => body()) { IsBackground = true, Name = name };
        _threads.Add(thread);
        thread.Start();
    }

    private void TryUnmount(string path)
    {
        try
        {
            BtrfsFilesystem.Unmount(path);
        }
        catch (Exception e)
        {
            _log.Warning("could not unmount {Path}: {Error}", path, e.Message);
        }
    }

    /// <summary>The filesystems (by their mount) that a job's backup reads: each source's, and with one_file_system off every mount below a source.</summary>
    private static IEnumerable<(string Source, MountEntry Mount)> SourceFilesystems(JobDefinition job, IReadOnlyList<MountEntry> mounts)
    {
        foreach (var raw in job.Sources)
        {
            var source = Path.TrimEndingDirectorySeparator(Path.GetFullPath(raw));
            yield return (source, MountTable.Containing(mounts, source));
            if (!job.OneFileSystem)
            {
                foreach (var below in mounts.Where(m => m.MountPoint != source && JournalPaths.IsAtOrUnder(m.MountPoint, source)))
                {
                    yield return (below.MountPoint, below);
                }
            }
        }
    }

    private static string ConfigHash(JobDefinition job)
    {
        var text = new StringBuilder();
        foreach (var source in job.Sources.Order(StringComparer.Ordinal))
        {
            text.Append("source\0").Append(source).Append('\0');
        }

        foreach (var pattern in job.Exclude)
        {
            text.Append("exclude\0").Append(pattern).Append('\0');
        }

        text.Append(job.ExcludeCaches).Append('\0').Append(job.OneFileSystem);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    /// <summary>The mounts at or below the job's sources: a filesystem mounted or unmounted there changes the backup without any event.</summary>
    private static string MountSignature(JobDefinition job, IReadOnlyList<MountEntry> mounts) =>
        string.Join('\n', SourceFilesystems(job, mounts).Select(f => $"{f.Mount.MountPoint}\0{f.Mount.Device}\0{f.Mount.Root}").Distinct().Order(StringComparer.Ordinal));

    private sealed class WatchedFilesystem(long fsId, ulong device, string fsType)
    {
        public long FsId { get; } = fsId;

        public ulong Device { get; } = device;

        public string FsType { get; } = fsType;

        public string MarkPath { get; set; } = "";

        /// <summary>The directory of the filesystem that <see cref="MarkPath"/> shows ("/" for a mount of the whole filesystem).</summary>
        public string MountRoot { get; set; } = "/";

        public int MountId { get; set; } = -1;

        public bool PrivateMount { get; set; }

        public Fsid? Fsid { get; set; }

        public DateTimeOffset? WatchingSince { get; set; }

        public string? Error { get; set; }

        /// <summary>A path resolved through <see cref="MarkPath"/>, as a path from the filesystem's root.</summary>
        public string ToFilesystemPath(string resolved) =>
            JournalPaths.Join(MountRoot, JournalPaths.Below(resolved, MarkPath));
    }
}

/// <summary>A job run's view of the journal: the scan plan, and what to record once its snapshot is saved.</summary>
public sealed record JournalCut(
    string Job,
    long Seq,
    DateTimeOffset At,
    ScanPlan Plan,
    string ConfigHash,
    string Mounts,
    IReadOnlyList<(long FsId, ulong Subvolume, ulong Generation)> Btrfs,
    DateTimeOffset? PreviousFull);
