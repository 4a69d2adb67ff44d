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
/// A long-lived owner (the daemon, between runs) can move the entries out of the heap into a file with
/// <see cref="MoveToDisk"/>; see there.
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
    private volatile Store _store = new(0, 0, [new Entry[FirstSegmentLength]]);
    private volatile Table _table = new(MinBuckets);
    private volatile int _count;

    /// <summary>Whether an entry on disk (which cannot carry <see cref="MoreLocationsFlag"/>) has further locations.</summary>
    private volatile bool _moreLocationsOnDisk;

    private UnnamedFile? _file;
    private UnnamedFile.Mapping? _mapping;

    public int BlobCount => _count;

    public int PackCount => _packCount;

    /// <summary>How many entries are in the file of <see cref="MoveToDisk"/> rather than in the heap.</summary>
    public int OnDisk => _store.OnDisk;

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

    /// <summary>
    /// Moves every entry out of the heap into an unnamed file in <paramref name="directory"/>, read from then on
    /// through a read-only mapping; entries added later are in the heap until the next call, which appends them.
    /// Each call maps the file afresh, so the pages the last lookups read no longer count as the process's memory.
    /// The file's pages are page cache, written back and reclaimed by the kernel as memory is needed: between
    /// backups the index then costs the heap only its hash table (8 to 16 bytes per blob) instead of about 60 bytes.
    /// </summary>
    /// <remarks>
    /// Nothing else may use the index during the call: lookups may still be reading the mapping it replaces.
    /// On failure (the directory is not writable, the disk is full) the index is as before and still complete.
    /// The file holds blob and pack IDs, never keys or data; it has no name and mode 0600.
    /// </remarks>
    public void MoveToDisk(string directory)
    {
        lock (_addLock)
        {
            var store = _store;
            var count = _count;
            if (count == 0)
            {
                return;
            }

            var file = _file ?? UnnamedFile.Create(directory);
            UnnamedFile.Mapping mapping;
            try
            {
                var written = store.OnDisk;
                for (var segment = 0; written < count; segment++)
                {
                    var entries = store.Segments[segment].AsSpan(0, Math.Min(count - written, store.Segments[segment].Length));
                    file.Write(MemoryMarshal.AsBytes(entries), (long)written * Unsafe.SizeOf<Entry>());
                    written += entries.Length;
                }

                mapping = file.Map((long)count * Unsafe.SizeOf<Entry>());
            }
            catch when (_file is null)
            {
                file.Dispose();
                throw;
            }

            var previous = _mapping;
            _file = file;
            _mapping = mapping;
            _store = new Store(mapping.Address, count, [new Entry[FirstSegmentLength]]);
            previous?.Dispose();
        }
    }

    private static int Hash(BlobType type, in Id id) => id.GetHashCode() ^ (type == BlobType.Tree ? unchecked((int)0x9E3779B9) : 0);

    private static unsafe ref Entry At(Store store, int index)
    {
        if (index < store.OnDisk)
        {
            return ref *((Entry*)store.Disk + index);
        }

        index -= store.OnDisk;
        return ref store.Segments[index >> SegmentShift][index & (SegmentLength - 1)];
    }

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

        // Read after the bucket: the entries it leads to are in this store.
        var store = _store;
        var found = -1;
        while (link != 0)
        {
            var index = link - 1;
            ref readonly var entry = ref At(store, index);
            if ((entry.Pack & TreeFlag) == tree && entry.Id == id)
            {
                found = index;
                break;
            }

            link = table.Next[index];
        }

        // The mapping the store points into lives as long as this index.
        GC.KeepAlive(this);
        return found;
    }

    private BlobLocation[] LocationsOf(int index)
    {
        var store = _store;
        var packs = _packs;
        var entry = At(store, index);
        GC.KeepAlive(this);
        var type = (entry.Pack & TreeFlag) != 0 ? BlobType.Tree : BlobType.Data;
        var first = new BlobLocation(packs[entry.Pack & PackMask], new PackedBlob(type, entry.Id, entry.Offset, entry.Length, entry.UncompressedLength));
        var mayHaveMore = (entry.Pack & MoreLocationsFlag) != 0 || (_moreLocationsOnDisk && index < store.OnDisk);
        if (!mayHaveMore || !_moreLocations.TryGetValue(index, out var more))
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

        var store = EnsureSegment(index);
        ref var entry = ref At(store, index);
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
        var store = _store;
        ref var entry = ref At(store, index);
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
        if (index < store.OnDisk)
        {
            // The mapping is read-only; lookups of entries on disk ask the side table once this is set.
            _moreLocationsOnDisk = true;
        }
        else
        {
            entry.Pack |= MoreLocationsFlag;
        }
    }

    /// <summary>Makes sure the segment for entry <paramref name="index"/> exists; returns the store to write it into.</summary>
    private Store EnsureSegment(int index)
    {
        var store = _store;
        var segments = store.Segments;
        index -= store.OnDisk;
        var segment = index >> SegmentShift;
        if (segment < segments.Length)
        {
            var current = segments[segment];
            var offset = index & (SegmentLength - 1);
            if (offset < current.Length)
            {
                return store;
            }

            // The first segment starts small so that small repositories stay small; it grows by copying.
            var grown = new Entry[Math.Min(current.Length * 2, SegmentLength)];
            current.CopyTo(grown, 0);
            var replaced = (Entry[][])segments.Clone();
            replaced[segment] = grown;
            return _store = store with { Segments = replaced };
        }

        var added = new Entry[segment + 1][];
        segments.CopyTo(added, 0);
        added[segment] = new Entry[SegmentLength];
        return _store = store with { Segments = added };
    }

    /// <summary>A table with twice the buckets, holding entries 0..count-1; published before it is returned.</summary>
    private Table Grow(Table old, int count)
    {
        var table = new Table(old.Buckets.Length * 2);
        var store = _store;
        for (var i = 0; i < count; i++)
        {
            ref readonly var entry = ref At(store, i);
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
    /// Where the entries are: the first <paramref name="OnDisk"/> in the mapping at <paramref name="Disk"/>, the rest in
    /// heap segments numbered from there. Replaced as a whole, so a reader sees one consistent layout.
    /// </summary>
    private sealed record Store(nint Disk, int OnDisk, Entry[][] Segments);

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
