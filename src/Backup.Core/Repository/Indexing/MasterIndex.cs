using System.Collections.Concurrent;
using Backup.Core.Model;
using Backup.Core.Repository.Packs;

namespace Backup.Core.Repository.Indexing;

/// <summary>
/// The union of all index files: for each (type, ID) the places it is stored. Thread-safe; packs
/// written during a run are added as soon as they are durable.
/// </summary>
public sealed class MasterIndex
{
    private readonly ConcurrentDictionary<BlobKey, BlobLocation[]> _blobs = new();
    private readonly ConcurrentDictionary<Id, byte> _packs = new();

    public int BlobCount => _blobs.Count;

    public int PackCount => _packs.Count;

    public IEnumerable<Id> Packs => _packs.Keys;

    public void Add(IndexedPack pack)
    {
        _packs.TryAdd(pack.Id, 0);
        foreach (var blob in pack.Blobs)
        {
            var location = new BlobLocation(pack.Id, blob);
            _blobs.AddOrUpdate(
                new BlobKey(blob.Type, blob.Id),
                static (_, l) => new[] { l },
                static (_, existing, l) => existing.Contains(l) ? existing : [.. existing, l],
                location);
        }
    }

    public void Add(IndexFile file)
    {
        foreach (var pack in file.Packs)
        {
            Add(pack);
        }
    }

    public bool Has(BlobType type, Id id) => _blobs.ContainsKey(new BlobKey(type, id));

    public bool TryLookup(BlobType type, Id id, out BlobLocation[] locations) =>
        _blobs.TryGetValue(new BlobKey(type, id), out locations!);

    public IEnumerable<(BlobKey Key, BlobLocation[] Locations)> All() => _blobs.Select(kv => (kv.Key, kv.Value));
}

public readonly record struct BlobKey(BlobType Type, Id Id);

public readonly record struct BlobLocation(Id Pack, PackedBlob Blob);
