using System.Buffers.Binary;
using Backup.Core.Model;
using Backup.Core.Repository.Indexing;
using Backup.Core.Repository.Packs;

namespace Backup.Core.Tests.Repository;

public class MasterIndexTests
{
    private static Id BlobId(int n)
    {
        Span<byte> seed = stackalloc byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(seed, n);
        return Id.Hash(seed);
    }

    private static Id PackId(int n) => Id.Hash(BitConverter.GetBytes(-1 - n));

    /// <summary>Pack p holds blobs p*perPack .. p*perPack+perPack-1, with positions derived from the blob number.</summary>
    private static List<PackedBlob> PackBlobs(int pack, int perPack)
    {
        var blobs = new List<PackedBlob>(perPack);
        for (var i = 0; i < perPack; i++)
        {
            var n = (pack * perPack) + i;
            blobs.Add(new PackedBlob(BlobType.Data, BlobId(n), (uint)(i * 100), (uint)(n % 1000) + 40, n % 3 == 0 ? 0 : (uint)n + 1));
        }

        return blobs;
    }

    [Fact]
    public void Many_blobs_are_found_at_their_place_and_others_are_not()
    {
        var index = new MasterIndex();
        const int Packs = 40, PerPack = 1000;
        for (var p = 0; p < Packs; p++)
        {
            index.Add(new IndexedPack(PackId(p), PackBlobs(p, PerPack)));
        }

        Assert.Equal(Packs * PerPack, index.BlobCount);
        Assert.Equal(Packs, index.PackCount);
        Assert.Equal(Enumerable.Range(0, Packs).Select(PackId), index.Packs);
        for (var p = 0; p < Packs; p++)
        {
            foreach (var blob in PackBlobs(p, PerPack))
            {
                Assert.True(index.TryLookup(BlobType.Data, blob.Id, out var locations));
                Assert.Equal([new BlobLocation(PackId(p), blob)], locations);
                Assert.True(index.Has(BlobType.Data, blob.Id));
                Assert.False(index.Has(BlobType.Tree, blob.Id));
            }
        }

        for (var n = Packs * PerPack; n < (Packs * PerPack) + 5000; n++)
        {
            Assert.False(index.Has(BlobType.Data, BlobId(n)));
            Assert.False(index.TryLookup(BlobType.Data, BlobId(n), out _));
        }
    }

    [Fact]
    public void The_same_id_as_data_and_as_tree_are_two_blobs()
    {
        var index = new MasterIndex();
        var id = BlobId(1);
        index.Add(new IndexedPack(PackId(0), [new PackedBlob(BlobType.Data, id, 0, 50, 0)]));
        index.Add(new IndexedPack(PackId(1), [new PackedBlob(BlobType.Tree, id, 10, 60, 100)]));

        Assert.Equal(2, index.BlobCount);
        Assert.True(index.TryLookup(BlobType.Data, id, out var data));
        Assert.True(index.TryLookup(BlobType.Tree, id, out var tree));
        Assert.Equal(new BlobLocation(PackId(0), new PackedBlob(BlobType.Data, id, 0, 50, 0)), Assert.Single(data));
        Assert.Equal(new BlobLocation(PackId(1), new PackedBlob(BlobType.Tree, id, 10, 60, 100)), Assert.Single(tree));
    }

    [Fact]
    public void A_blob_in_several_packs_has_every_location_once_in_the_order_added()
    {
        var index = new MasterIndex();
        var id = BlobId(7);
        var other = BlobId(8);
        index.Add(new IndexedPack(PackId(0), [new PackedBlob(BlobType.Data, id, 0, 50, 0), new PackedBlob(BlobType.Data, other, 50, 60, 0)]));
        index.Add(new IndexedPack(PackId(1), [new PackedBlob(BlobType.Data, id, 100, 50, 0)]));
        index.Add(new IndexedPack(PackId(2), [new PackedBlob(BlobType.Data, id, 200, 44, 90)]));

        // The same pack listed again (a second index file naming it) adds nothing.
        index.Add(new IndexedPack(PackId(1), [new PackedBlob(BlobType.Data, id, 100, 50, 0)]));
        index.Add(new IndexedPack(PackId(0), [new PackedBlob(BlobType.Data, id, 0, 50, 0)]));

        Assert.Equal(2, index.BlobCount);
        Assert.Equal(3, index.PackCount);
        Assert.True(index.TryLookup(BlobType.Data, id, out var locations));
        Assert.Equal(
            [
                new BlobLocation(PackId(0), new PackedBlob(BlobType.Data, id, 0, 50, 0)),
                new BlobLocation(PackId(1), new PackedBlob(BlobType.Data, id, 100, 50, 0)),
                new BlobLocation(PackId(2), new PackedBlob(BlobType.Data, id, 200, 44, 90)),
            ],
            locations);
        Assert.True(index.TryLookup(BlobType.Data, other, out var single));
        Assert.Single(single);

        var all = index.All().ToDictionary(e => e.Key, e => e.Locations);
        Assert.Equal(2, all.Count);
        Assert.Equal(locations, all[new BlobKey(BlobType.Data, id)]);
        Assert.Equal(single, all[new BlobKey(BlobType.Data, other)]);
    }

    [Fact]
    public async Task Lookups_while_packs_are_added_from_several_threads_see_every_finished_pack()
    {
        var index = new MasterIndex();
        const int Writers = 4, PacksPerWriter = 150, PerPack = 100, Readers = 4;

        // Writer w adds packs w, w + Writers, ...; progress[w] is how many of them are finished.
        var progress = new int[Writers];
        var failures = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var packs = Enumerable.Range(0, Writers * PacksPerWriter).Select(p => PackBlobs(p, PerPack)).ToArray();
        using var done = new CancellationTokenSource();
        var writers = Enumerable.Range(0, Writers).Select(w => Task.Run(() =>
        {
            for (var k = 0; k < PacksPerWriter; k++)
            {
                var pack = (k * Writers) + w;
                index.Add(new IndexedPack(PackId(pack), packs[pack]));

                // Every blob is listed a second time in another pack, as happens when two packs hold a blob.
                if (k % 10 == 0)
                {
                    index.Add(new IndexedPack(PackId(100_000 + pack), packs[pack]));
                }

                Volatile.Write(ref progress[w], k + 1);
            }
        })).ToArray();
        var readers = Enumerable.Range(0, Readers).Select(r => Task.Run(() =>
        {
            var random = new Random(r);
            long checks = 0;
            while (!done.IsCancellationRequested || checks < 10_000)
            {
                var w = random.Next(Writers);
                var finished = Volatile.Read(ref progress[w]);
                if (finished > 0)
                {
                    var k = random.Next(finished);
                    var pack = (k * Writers) + w;
                    var i = random.Next(PerPack);
                    var blob = packs[pack][i];
                    if (!index.TryLookup(BlobType.Data, blob.Id, out var locations) || locations[0] != new BlobLocation(PackId(pack), blob))
                    {
                        failures.Enqueue($"blob {i} of pack {pack} not found or wrong after its pack was added");
                    }
                }

                // A blob of the pack being added may or may not be found yet, but never half written.
                var next = (Volatile.Read(ref progress[w]) * Writers) + w;
                if (next < Writers * PacksPerWriter)
                {
                    var blob = packs[next][random.Next(PerPack)];
                    if (index.TryLookup(BlobType.Data, blob.Id, out var locations) && locations[0] != new BlobLocation(PackId(next), blob))
                    {
                        failures.Enqueue($"a blob of pack {next} is found while it is added, with a wrong location {locations[0]}");
                    }
                }

                // Blobs no writer adds are never found.
                if (index.Has(BlobType.Data, BlobId(-1 - random.Next(1_000_000))))
                {
                    failures.Enqueue("a blob that was never added is found");
                }

                checks++;
            }
        })).ToArray();

        await Task.WhenAll(writers);
        await done.CancelAsync();
        await Task.WhenAll(readers);

        Assert.Empty(failures);
        Assert.Equal(Writers * PacksPerWriter * PerPack, index.BlobCount);
        Assert.Equal((Writers * PacksPerWriter) + (Writers * PacksPerWriter / 10), index.PackCount);
        for (var pack = 0; pack < Writers * PacksPerWriter; pack++)
        {
            var copies = (pack / Writers) % 10 == 0 ? 2 : 1;
            foreach (var blob in packs[pack])
            {
                Assert.True(index.TryLookup(BlobType.Data, blob.Id, out var locations));
                Assert.Equal(copies, locations.Length);
                Assert.Equal(new BlobLocation(PackId(pack), blob), locations[0]);
            }
        }
    }

    [Fact]
    public void Entries_moved_to_disk_are_found_as_before_and_entries_added_later_join_them_at_the_next_move()
    {
        var directory = Directory.CreateTempSubdirectory("master-index-").FullName;
        try
        {
            var index = new MasterIndex();
            const int PerPack = 1000;
            for (var p = 0; p < 20; p++)
            {
                index.Add(new IndexedPack(PackId(p), PackBlobs(p, PerPack)));
            }

            // A blob in two packs before the move: its second location stays with it.
            index.Add(new IndexedPack(PackId(500), [PackBlobs(3, PerPack)[7]]));
            var before = index.All().ToDictionary(e => e.Key, e => e.Locations);

            index.MoveToDisk(directory);

            Assert.Equal(20 * PerPack, index.OnDisk);
            Assert.Empty(Directory.EnumerateFileSystemEntries(directory));
            AssertSame(before, index);
            Assert.False(index.Has(BlobType.Data, BlobId(-5)));

            // After the move: new blobs (enough to grow the hash table over entries on disk), a further location for
            // a blob on disk and one for a blob added since.
            for (var p = 20; p < 40; p++)
            {
                index.Add(new IndexedPack(PackId(p), PackBlobs(p, PerPack)));
            }

            var onDisk = PackBlobs(5, PerPack)[9];
            var inHeap = PackBlobs(30, PerPack)[11];
            index.Add(new IndexedPack(PackId(501), [onDisk, inHeap]));

            // The same locations again add nothing.
            index.Add(new IndexedPack(PackId(5), [onDisk]));
            index.Add(new IndexedPack(PackId(501), [onDisk]));

            Assert.Equal(20 * PerPack, index.OnDisk);
            Assert.Equal(40 * PerPack, index.BlobCount);
            Assert.True(index.TryLookup(BlobType.Data, onDisk.Id, out var locations));
            Assert.Equal([new BlobLocation(PackId(5), onDisk), new BlobLocation(PackId(501), onDisk)], locations);
            Assert.True(index.TryLookup(BlobType.Data, inHeap.Id, out locations));
            Assert.Equal([new BlobLocation(PackId(30), inHeap), new BlobLocation(PackId(501), inHeap)], locations);
            var after = index.All().ToDictionary(e => e.Key, e => e.Locations);
            Assert.Equal(40 * PerPack, after.Count);
            for (var p = 0; p < 40; p++)
            {
                foreach (var blob in PackBlobs(p, PerPack))
                {
                    Assert.Equal(new BlobLocation(PackId(p), blob), after[new BlobKey(BlobType.Data, blob.Id)][0]);
                }
            }

            index.MoveToDisk(directory);

            Assert.Equal(40 * PerPack, index.OnDisk);
            AssertSame(after, index);

            // A move with nothing new (only a fresh mapping) and a tree after it.
            index.MoveToDisk(directory);
            var tree = new PackedBlob(BlobType.Tree, BlobId(3), 0, 70, 200);
            index.Add(new IndexedPack(PackId(502), [tree]));
            Assert.True(index.TryLookup(BlobType.Tree, tree.Id, out locations));
            Assert.Equal([new BlobLocation(PackId(502), tree)], locations);
            Assert.True(index.TryLookup(BlobType.Data, tree.Id, out locations));
            Assert.Equal(PackId(0), Assert.Single(locations).Pack);
            Assert.Empty(Directory.EnumerateFileSystemEntries(directory));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void A_move_to_a_directory_that_cannot_hold_the_file_fails_and_leaves_the_index_whole()
    {
        var index = new MasterIndex();
        for (var p = 0; p < 3; p++)
        {
            index.Add(new IndexedPack(PackId(p), PackBlobs(p, 100)));
        }

        var before = index.All().ToDictionary(e => e.Key, e => e.Locations);
        var missing = Path.Combine(Path.GetTempPath(), $"master-index-missing-{Guid.NewGuid():N}");

        var error = Assert.Throws<IOException>(() => index.MoveToDisk(missing));

        Assert.Contains(missing, error.Message);
        Assert.Contains("No such file or directory", error.Message);
        Assert.Equal(0, index.OnDisk);
        AssertSame(before, index);
        index.Add(new IndexedPack(PackId(3), PackBlobs(3, 100)));
        Assert.Equal(400, index.BlobCount);
    }

    private static void AssertSame(Dictionary<BlobKey, BlobLocation[]> expected, MasterIndex index)
    {
        Assert.Equal(expected.Count, index.BlobCount);
        foreach (var (key, locations) in expected)
        {
            Assert.True(index.TryLookup(key.Type, key.Id, out var found), $"{key} not found");
            Assert.Equal(locations, found);
        }

        Assert.Equal(expected.Count, index.All().Count());
    }
}
