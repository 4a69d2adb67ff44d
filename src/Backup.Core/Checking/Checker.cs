using System.Collections.Concurrent;
using Backup.Core.Backends;
using Backup.Core.Crypto;
using Backup.Core.Model;
using Backup.Core.Repository;
using Backup.Core.Repository.Indexing;
using Backup.Core.Repository.Packs;

namespace Backup.Core.Checking;

/// <summary>
/// Verifies a repository the way restic's check does: the index against the packs that exist, every
/// tree and data blob the snapshots reference, and with <c>readData</c> every pack's hash, header
/// and blobs. Each problem names the object (and path) involved.
/// </summary>
public sealed class Checker
{
    private readonly Repository.Repository _repository;
    private readonly ConcurrentQueue<string> _errors = new();
    private readonly ConcurrentQueue<string> _notes = new();
    private readonly Dictionary<Id, (List<PackedBlob> Blobs, Id IndexFile)> _indexedPacks = new();

    public Checker(Repository.Repository repository)
    {
        _repository = repository;
    }

    public Action<string>? Progress { get; init; }

    public async Task<CheckResult> RunAsync(bool readData, CancellationToken cancellationToken)
    {
        Progress?.Invoke("load indexes");
        await LoadIndexesAsync(cancellationToken).ConfigureAwait(false);
        Progress?.Invoke("check all packs");
        var existing = await CheckPacksAsync(cancellationToken).ConfigureAwait(false);
        Progress?.Invoke("check snapshots, trees and blobs");
        await CheckSnapshotsAsync(cancellationToken).ConfigureAwait(false);
        if (readData)
        {
            Progress?.Invoke($"read all data ({_indexedPacks.Count} packs)");
            await ReadPacksAsync(existing, cancellationToken).ConfigureAwait(false);
        }

        return new CheckResult(_errors.ToList(), _notes.ToList());
    }

    private async Task LoadIndexesAsync(CancellationToken cancellationToken)
    {
        await foreach (var indexId in _repository.ListIdsAsync(FileType.Index, cancellationToken).ConfigureAwait(false))
        {
            IndexFile file;
            try
            {
                var json = await _repository.LoadUnpackedAsync(FileType.Index, indexId, cancellationToken).ConfigureAwait(false);
                file = IndexFile.Parse(json, indexId.ToString());
            }
            catch (Exception e) when (e is RepositoryFormatException or IOException)
            {
                _errors.Enqueue($"index {indexId}: {e.Message}");
                continue;
            }

            _repository.Index.Add(file);
            foreach (var pack in file.Packs)
            {
                if (_indexedPacks.TryGetValue(pack.Id, out var earlier))
                {
                    _notes.Enqueue($"pack {pack.Id} is listed in index {earlier.IndexFile.ToShortString()} and index {indexId.ToShortString()}");
                    continue;
                }

                _indexedPacks[pack.Id] = (pack.Blobs, indexId);
                if (pack.Blobs.Select(b => b.Type).Distinct().Count() > 1)
                {
                    _notes.Enqueue($"pack {pack.Id} mixes tree and data blobs");
                }
            }
        }
    }

    private async Task<Dictionary<Id, long>> CheckPacksAsync(CancellationToken cancellationToken)
    {
        var existing = new Dictionary<Id, long>();
        await foreach (var entry in _repository.Backend.ListAsync(FileType.Pack, cancellationToken).ConfigureAwait(false))
        {
            if (Id.TryParse(entry.Name, out var id))
            {
                existing[id] = entry.Size;
            }
        }

        foreach (var (packId, (blobs, indexId)) in _indexedPacks)
        {
            if (!existing.TryGetValue(packId, out var size))
            {
                _errors.Enqueue($"pack {packId}: missing, but index {indexId.ToShortString()} lists {blobs.Count} blob(s) in it");
                continue;
            }

            var expected = PackFormat.ExpectedSize(blobs);
            if (size != expected)
            {
                _errors.Enqueue($"pack {packId}: unexpected file size {size}, the index says {expected}");
            }
        }

        foreach (var packId in existing.Keys.Where(p => !_indexedPacks.ContainsKey(p)))
        {
            _notes.Enqueue($"pack {packId} is not referenced by any index");
        }

        return existing;
    }

    private async Task CheckSnapshotsAsync(CancellationToken cancellationToken)
    {
        var visited = new HashSet<Id>();
        await foreach (var snapshotId in _repository.ListIdsAsync(FileType.Snapshot, cancellationToken).ConfigureAwait(false))
        {
            Snapshot snapshot;
            try
            {
                snapshot = Snapshot.Parse(await _repository.LoadUnpackedAsync(FileType.Snapshot, snapshotId, cancellationToken).ConfigureAwait(false));
            }
            catch (Exception e) when (e is RepositoryFormatException or IOException or FormatException)
            {
                _errors.Enqueue($"snapshot {snapshotId}: {e.Message}");
                continue;
            }

            await CheckTreeAsync(snapshot.Tree, $"snapshot {snapshotId.ToShortString()}:", visited, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task CheckTreeAsync(Id treeId, string path, HashSet<Id> visited, CancellationToken cancellationToken)
    {
        if (!visited.Add(treeId))
        {
            return;
        }

        Tree tree;
        try
        {
            tree = await _repository.LoadTreeAsync(treeId, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is RepositoryFormatException or IOException)
        {
            _errors.Enqueue($"tree {treeId} at {path}/: {e.Message}");
            return;
        }

        foreach (var node in tree.Nodes)
        {
            var nodePath = $"{path}/{node.Name}";
            if (node.Name.Length == 0)
            {
                _errors.Enqueue($"tree {treeId} at {path}/: a node has an empty name");
            }

            switch (node.Type)
            {
                case NodeType.File:
                    if (node.Content is null)
                    {
                        _errors.Enqueue($"{nodePath}: file node without content list (tree {treeId.ToShortString()})");
                        break;
                    }

                    foreach (var blob in node.Content)
                    {
                        if (blob.IsZero || !_repository.Index.Has(BlobType.Data, blob))
                        {
                            _errors.Enqueue($"{nodePath}: data blob {blob} is not in any index (tree {treeId.ToShortString()})");
                        }
                    }

                    break;
                case NodeType.Dir:
                    if (node.Subtree is not { } subtree)
                    {
                        _errors.Enqueue($"{nodePath}: directory node without subtree (tree {treeId.ToShortString()})");
                        break;
                    }

                    await CheckTreeAsync(subtree, nodePath, visited, cancellationToken).ConfigureAwait(false);
                    break;
            }
        }
    }

    private async Task ReadPacksAsync(Dictionary<Id, long> existing, CancellationToken cancellationToken)
    {
        var packs = _indexedPacks.Where(p => existing.ContainsKey(p.Key)).ToList();
        await Parallel.ForEachAsync(
            packs,
            new ParallelOptions { MaxDegreeOfParallelism = Math.Max(2, Environment.ProcessorCount), CancellationToken = cancellationToken },
            async (pack, ct) =>
            {
                try
                {
                    var data = await _repository.Backend.LoadAsync(FileType.Pack, pack.Key.ToString(), 0, 0, ct).ConfigureAwait(false);
                    CheckPackData(pack.Key, data, pack.Value.Blobs);
                }
                catch (IOException e)
                {
                    _errors.Enqueue($"pack {pack.Key}: cannot be read: {e.Message}");
                }
            }).ConfigureAwait(false);
    }

    private void CheckPackData(Id packId, byte[] data, List<PackedBlob> indexed)
    {
        var actual = Id.Hash(data);
        if (actual != packId)
        {
            _errors.Enqueue($"pack {packId}: content does not match its name (SHA-256 is {actual}): the pack is damaged");
        }

        List<PackedBlob> header;
        try
        {
            var headerLength = PackFormat.HeaderLength(data.AsSpan(data.Length - PackFormat.TrailerSize), data.Length, packId.ToString());
            var sealedHeader = data.AsSpan(data.Length - PackFormat.TrailerSize - headerLength, headerLength);
            header = PackFormat.DecodeHeader(_repository.Key.Open(sealedHeader), packId.ToString());
        }
        catch (Exception e) when (e is RepositoryFormatException or CryptoAuthenticationException)
        {
            _errors.Enqueue($"pack {packId}: header unreadable: {e.Message}");
            header = indexed;
        }

        var byKey = indexed.ToDictionary(b => (b.Type, b.Id, b.Offset));
        foreach (var entry in header)
        {
            if (!byKey.TryGetValue((entry.Type, entry.Id, entry.Offset), out var listed) || listed != entry)
            {
                _errors.Enqueue($"pack {packId}: header entry for {entry.Type.ToString().ToLowerInvariant()} blob {entry.Id} at offset {entry.Offset} does not match the index");
            }
        }

        foreach (var blob in indexed)
        {
            if (blob.Offset + (long)blob.Length > data.Length)
            {
                _errors.Enqueue($"pack {packId}: {blob.Type.ToString().ToLowerInvariant()} blob {blob.Id} lies beyond the end of the pack");
                continue;
            }

            try
            {
                _repository.DecodeBlob(new BlobLocation(packId, blob), data.AsSpan((int)blob.Offset, (int)blob.Length));
            }
            catch (RepositoryFormatException e)
            {
                _errors.Enqueue(e.Message);
            }
        }
    }
}

public sealed record CheckResult(IReadOnlyList<string> Errors, IReadOnlyList<string> Notes)
{
    public bool Ok => Errors.Count == 0;
}
