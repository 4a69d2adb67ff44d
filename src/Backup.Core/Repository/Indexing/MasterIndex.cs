using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Backup.Core.Model;
using Backup.Core.Repository.Packs;

namespace Backup.Core.Repository.Indexing;

/// <summary>
/// The union of all index files: for each (type, ID) the places it is stored. Packs written during a
/// run are added as soon as they are durable.
/// </summary>
/// <remarks>
/// Built for size, since a repository can hold millions of blobs: one 48-byte entry per blob (the
/// ID, its first location and the pack as a number into a list of pack IDs) in large segments that
/// never move, plus a chained hash table of two int arrays, about 56 to 64 bytes per blob in all. The
/// rare further locations of a blob stored in several packs are in a side table.
/// Adding takes a lock; lookups take none. An entry is complete before the bucket that leads to it
/// is published, entries never change afterwards (apart from a flag that says there are further
/// locations), and growing the table builds new arrays that replace the old ones in one write, so a
/// reader always walks a consistent chain.
/// </remarks>
public sealed class MasterIndex
{
    private const int SegmentShift = 13;
    private const int SegmentLength = 1 << SegmentShift;
    private const int FirstSegmentLength = 64;
    private const int MinBuckets = 64;

    private const int PackMask = (1 << 30) - 1;
    private const int TreeFlag = 1 << 30;
    private const int MoreLocationsFlag = int.MinValue;

    private readonly Lock _addLock = new();
    private readonly Dictionary<Id, int> _packNumbers = new();

    /// <summary>Further locations of entries whose <see cref="MoreLocationsFlag"/> is set; each array is replaced, never changed.</summary>
    private readonly ConcurrentDictionary<int, Location[]> _moreLocations = new();

    private volatile Id[] _packs = new Id[16];
    private volatile int _packCount;
    private volatile Entry[][] _segments = [new Entry[FirstSegmentLength]];
    private volatile Table _table = new(MinBuckets);
    private volatile int _count;

    public int BlobCount => _count;

    public int PackCount => _packCount;

    public IEnumerable<Id> Packs
    {
        get
        {
            var count = _packCount;
            var packs = _packs;
            for (var i = 0; i < count; i++)
            {
                yield return packs[i];
            }
        }
    }

    public void Add(IndexedPack pack) => Add(pack.Id, CollectionsMarshal.AsSpan(pack.Blobs));

    public void Add(IndexFile file)
    {
        foreach (var pack in file.Packs)
        {
            Add(pack);
        }
    }

    /// <summary>Adds every blob of one pack. A location the index already has is not added again.</summary>
    public void Add(Id packId, ReadOnlySpan<PackedBlob> blobs)
    {
        lock (_addLock)
        {
            var pack = PackNumber(packId);
            foreach (ref readonly var blob in blobs)
            {
                AddLocked(pack, blob);
            }
        }
    }

    public bool Has(BlobType type, Id id) => Find(type, id) >= 0;

    public bool TryLookup(BlobType type, Id id, out BlobLocation[] locations)
    {
        var index = Find(type, id);
        if (index < 0)
        {
            locations = null!;
            return false;
        }

        locations = LocationsOf(index);
        return true;
    }

    /// <summary>Every blob with its locations; blobs added while this runs may or may not be listed.</summary>
    public IEnumerable<(BlobKey Key, BlobLocation[] Locations)> All()
    {
        var count = _count;
        for (var i = 0; i < count; i++)
        {
            var locations = LocationsOf(i);
            yield return (new BlobKey(locations[0].Blob.Type, locations[0].Blob.Id), locations);
        }
    }

    private static int Hash(BlobType type, in Id id) => id.GetHashCode() ^ (type == BlobType.Tree ? unchecked((int)0x9E3779B9) : 0);

    private static ref Entry At(Entry[][] segments, int index) =>
        ref segments[index >> SegmentShift][index & (SegmentLength - 1)];

    /// <summary>The entry number of (type, ID), or -1.</summary>
    private int Find(BlobType type, in Id id)
    {
        var table = _table;
        var tree = type == BlobType.Tree ? TreeFlag : 0;
        var link = Volatile.Read(ref table.Buckets[Hash(type, id) & table.Mask]);
        if (link == 0)
        {
            return -1;
        }

        // Read after the bucket: the entries it leads to are in these segments.
        var segments = _segments;
        while (link != 0)
        {
            var index = link - 1;
            ref readonly var entry = ref At(segments, index);
            if ((entry.Pack & TreeFlag) == tree && entry.Id == id)
            {
                return index;
            }

            link = table.Next[index];
        }

        return -1;
    }

    private BlobLocation[] LocationsOf(int index)
    {
        var segments = _segments;
        var packs = _packs;
        var entry = At(segments, index);
        var type = (entry.Pack & TreeFlag) != 0 ? BlobType.Tree : BlobType.Data;
        var first = new BlobLocation(packs[entry.Pack & PackMask], new PackedBlob(type, entry.Id, entry.Offset, entry.Length, entry.UncompressedLength));
        if ((entry.Pack & MoreLocationsFlag) == 0 || !_moreLocations.TryGetValue(index, out var more))
        {
            return [first];
        }

        var result = new BlobLocation[more.Length + 1];
        result[0] = first;
        for (var i = 0; i < more.Length; i++)
        {
            var m = more[i];
            result[i + 1] = new BlobLocation(packs[m.Pack], new PackedBlob(type, entry.Id, m.Offset, m.Length, m.UncompressedLength));
        }

        return result;
    }

    private int PackNumber(Id packId)
    {
        if (_packNumbers.TryGetValue(packId, out var number))
        {
            return number;
        }

        number = _packCount;
        if (number > PackMask)
        {
            throw new InvalidOperationException($"the index cannot hold more than {PackMask + 1} packs");
        }

        var packs = _packs;
        if (number == packs.Length)
        {
            Array.Resize(ref packs, packs.Length * 2);
            _packs = packs;
        }

        packs[number] = packId;
        _packNumbers.Add(packId, number);
        _packCount = number + 1;
        return number;
    }

    private void AddLocked(int pack, in PackedBlob blob)
    {
        var location = new Location(pack, blob.Offset, blob.Length, blob.UncompressedLength);
        var existing = Find(blob.Type, blob.Id);
        if (existing >= 0)
        {
            AddLocation(existing, location);
            return;
        }

        var index = _count;
        if (index == int.MaxValue)
        {
            throw new InvalidOperationException("the index is full");
        }

        var table = _table;
        if (index == table.Buckets.Length)
        {
            table = Grow(table, index);
        }

        var segments = EnsureSegment(index);
        ref var entry = ref At(segments, index);
        entry.Id = blob.Id;
        entry.Offset = blob.Offset;
        entry.Length = blob.Length;
        entry.UncompressedLength = blob.UncompressedLength;
        entry.Pack = pack | (blob.Type == BlobType.Tree ? TreeFlag : 0);

        ref var bucket = ref table.Buckets[Hash(blob.Type, blob.Id) & table.Mask];
        table.Next[index] = bucket;
        Volatile.Write(ref bucket, index + 1);
        _count = index + 1;
    }

    private void AddLocation(int index, Location location)
    {
        ref var entry = ref At(_segments, index);
        var first = new Location(entry.Pack & PackMask, entry.Offset, entry.Length, entry.UncompressedLength);
        if (first == location)
        {
            return;
        }

        Location[] updated;
        if (_moreLocations.TryGetValue(index, out var more))
        {
            if (Array.IndexOf(more, location) >= 0)
            {
                return;
            }

            updated = [.. more, location];
        }
        else
        {
            updated = [location];
        }

        _moreLocations[index] = updated;
        entry.Pack |= MoreLocationsFlag;
    }

    /// <summary>Makes sure the segment for entry <paramref name="index"/> exists; returns the segments to write it into.</summary>
    private Entry[][] EnsureSegment(int index)
    {
        var segments = _segments;
        var segment = index >> SegmentShift;
        if (segment < segments.Length)
        {
            var current = segments[segment];
            var offset = index & (SegmentLength - 1);
            if (offset < current.Length)
            {
                return segments;
            }

            // The first segment starts small so that small repositories stay small; it grows by copying.
            var grown = new Entry[Math.Min(current.Length * 2, SegmentLength)];
            current.CopyTo(grown, 0);
            var replaced = (Entry[][])segments.Clone();
            replaced[segment] = grown;
            _segments = replaced;
            return replaced;
        }

        var added = new Entry[segment + 1][];
        segments.CopyTo(added, 0);
        added[segment] = new Entry[SegmentLength];
        _segments = added;
        return added;
    }

    /// <summary>A table with twice the buckets, holding entries 0..count-1; published before it is returned.</summary>
    private Table Grow(Table old, int count)
    {
        var table = new Table(old.Buckets.Length * 2);
        var segments = _segments;
        for (var i = 0; i < count; i++)
        {
            ref readonly var entry = ref At(segments, i);
            var type = (entry.Pack & TreeFlag) != 0 ? BlobType.Tree : BlobType.Data;
            ref var bucket = ref table.Buckets[Hash(type, entry.Id) & table.Mask];
            table.Next[i] = bucket;
            bucket = i + 1;
        }

        _table = table;
        return table;
    }

    /// <summary>One blob: 48 bytes. Pack holds the pack number, <see cref="TreeFlag"/> and <see cref="MoreLocationsFlag"/>.</summary>
    private struct Entry
    {
        public Id Id;
        public uint Offset;
        public uint Length;
        public uint UncompressedLength;
        public int Pack;
    }

    private readonly record struct Location(int Pack, uint Offset, uint Length, uint UncompressedLength);

    /// <summary>
    /// Buckets and chains hold entry number + 1 (0 ends a chain). Next has as many slots as buckets,
    /// so the table grows when the entries fill it (a load factor of at most 1).
    /// </summary>
    private sealed class Table
    {
        public Table(int buckets)
        {
            Buckets = new int[buckets];
            Next = new int[buckets];
            Mask = buckets - 1;
        }

        public int[] Buckets { get; }

        public int[] Next { get; }

        public int Mask { get; }
    }
}

public readonly record struct BlobKey(BlobType Type, Id Id);

public readonly record struct BlobLocation(Id Pack, PackedBlob Blob);
