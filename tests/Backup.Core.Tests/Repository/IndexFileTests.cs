using System.Text;
using Backup.Core.Model;
using Backup.Core.Repository;
using Backup.Core.Repository.Indexing;
using Backup.Core.Repository.Packs;

namespace Backup.Core.Tests.Repository;

public class IndexFileTests
{
    private static readonly Id Pack = Id.Hash([1]);
    private static readonly Id Data = Id.Hash([2]);
    private static readonly Id Tree = Id.Hash([3]);

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    [Fact]
    public void Json_is_written_as_restic_writes_it()
    {
        var old = Id.Hash([9]);
        var index = new IndexFile();
        index.Supersedes.Add(old);
        index.Packs.Add(new IndexedPack(Pack, [
            new PackedBlob(BlobType.Data, Data, 0, 54, 13),
            new PackedBlob(BlobType.Tree, Tree, 54, uint.MaxValue, 0),
        ]));
        index.Packs.Add(new IndexedPack(Tree, []));

        var expected =
            $"{{\"supersedes\":[\"{old}\"],\"packs\":[{{\"id\":\"{Pack}\",\"blobs\":["
            + $"{{\"id\":\"{Data}\",\"type\":\"data\",\"offset\":0,\"length\":54,\"uncompressed_length\":13}},"
            + $"{{\"id\":\"{Tree}\",\"type\":\"tree\",\"offset\":54,\"length\":4294967295}}]}},"
            + $"{{\"id\":\"{Tree}\",\"blobs\":[]}}]}}\n";
        Assert.Equal(expected, Encoding.UTF8.GetString(index.ToJson()));
        Assert.Equal("{\"packs\":[]}\n", Encoding.UTF8.GetString(new IndexFile().ToJson()));
    }

    [Fact]
    public void Keys_match_case_insensitively_unknown_keys_are_skipped_and_order_does_not_matter()
    {
        var json = $$"""
            {
              "extra": {"packs": [1, 2, {"deep": [null]}]},
              "Packs": [
                {
                  "Blobs": [
                    {"Offset": 10, "LENGTH": 60, "Type": "tree", "note": [1, {"x": "y"}], "ID": "{{Tree}}", "Uncompressed_Length": 100},
                    {"id": "{{Data}}", "type": "d\u0061ta", "offset": 0, "length": 40, "uncompressed_length": null}
                  ],
                  "size": 12345,
                  "I\u0044": "{{Pack}}"
                }
              ],
              "SUPERSEDES": ["{{Data}}"]
            }
            """;
        var parsed = IndexFile.Parse(Utf8(json), "mixed");

        Assert.Equal([Data], parsed.Supersedes);
        var pack = Assert.Single(parsed.Packs);
        Assert.Equal(Pack, pack.Id);
        Assert.Equal(
            [new PackedBlob(BlobType.Tree, Tree, 10, 60, 100), new PackedBlob(BlobType.Data, Data, 0, 40, 0)],
            pack.Blobs);

        var index = new MasterIndex();
        IndexFile.ParseInto(Utf8(json), "mixed", index);
        Assert.Equal(2, index.BlobCount);
        Assert.True(index.TryLookup(BlobType.Tree, Tree, out var locations));
        Assert.Equal(new BlobLocation(Pack, new PackedBlob(BlobType.Tree, Tree, 10, 60, 100)), Assert.Single(locations));
    }

    [Fact]
    public void An_index_file_in_the_old_array_format_is_parsed_into_the_index()
    {
        var json = $"[{{\"id\":\"{Pack}\",\"blobs\":[{{\"id\":\"{Data}\",\"type\":\"data\",\"offset\":0,\"length\":40}},"
            + $"{{\"id\":\"{Tree}\",\"type\":\"tree\",\"offset\":40,\"length\":90,\"uncompressed_length\":200}}]}}]";
        var index = new MasterIndex();
        IndexFile.ParseInto(Utf8(json), "old", index);

        Assert.Equal(2, index.BlobCount);
        Assert.Equal([Pack], index.Packs);
        Assert.True(index.TryLookup(BlobType.Data, Data, out var d));
        Assert.Equal(new BlobLocation(Pack, new PackedBlob(BlobType.Data, Data, 0, 40, 0)), Assert.Single(d));
        Assert.True(index.TryLookup(BlobType.Tree, Tree, out var t));
        Assert.Equal(new BlobLocation(Pack, new PackedBlob(BlobType.Tree, Tree, 40, 90, 200)), Assert.Single(t));
    }

    [Fact]
    public void An_index_written_by_ToJson_parses_back_into_the_index()
    {
        var file = new IndexFile();
        for (var p = 0; p < 20; p++)
        {
            var blobs = new List<PackedBlob>();
            for (var b = 0; b < 300; b++)
            {
                blobs.Add(new PackedBlob(p % 2 == 0 ? BlobType.Data : BlobType.Tree, Id.Hash(BitConverter.GetBytes((p * 1000) + b)), (uint)b * 1000, (uint)(b + 33), b % 2 == 0 ? 0 : (uint)b * 7));
            }

            file.Packs.Add(new IndexedPack(Id.Hash(BitConverter.GetBytes(-p - 1)), blobs));
        }

        var index = new MasterIndex();
        IndexFile.ParseInto(file.ToJson(), "round trip", index);

        Assert.Equal(20 * 300, index.BlobCount);
        foreach (var pack in file.Packs)
        {
            foreach (var blob in pack.Blobs)
            {
                Assert.True(index.TryLookup(blob.Type, blob.Id, out var locations));
                Assert.Equal(new BlobLocation(pack.Id, blob), Assert.Single(locations));
            }
        }
    }

    [Fact]
    public void A_packs_value_that_is_not_an_array_means_no_packs()
    {
        Assert.Empty(IndexFile.Parse(Utf8("{\"packs\":null}"), "x").Packs);
        Assert.Empty(IndexFile.Parse(Utf8("{}"), "x").Packs);
        Assert.Empty(IndexFile.Parse(Utf8($"[{{\"id\":\"{Pack}\",\"blobs\":null}}]"), "x").Packs.Single().Blobs);
    }

    [Fact]
    public void A_blob_of_unknown_type_is_an_error_naming_the_pack()
    {
        var json = $"{{\"packs\":[{{\"blobs\":[{{\"id\":\"{Data}\",\"type\":\"Data\",\"offset\":0,\"length\":40}}],\"id\":\"{Pack}\"}}]}}";
        var error = Assert.Throws<RepositoryFormatException>(() => IndexFile.ParseInto(Utf8(json), "idx", new MasterIndex()));
        Assert.Equal($"index idx: pack {Pack.ToShortString()} lists a blob of unknown type \"Data\"", error.Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("{\"packs\":[")]
    [InlineData("{\"packs\":[]} x")]
    [InlineData("{\"packs\":[{\"blobs\":[]}]}")]
    [InlineData("{\"packs\":[{\"id\":\"00\",\"blobs\":[]}]}")]
    [InlineData("{\"packs\":[{\"id\":\"PACK\",\"blobs\":[{\"id\":\"DATA\",\"type\":\"data\",\"length\":40}]}]}")]
    [InlineData("{\"packs\":[{\"id\":\"PACK\",\"blobs\":[{\"id\":\"DATA\",\"type\":\"data\",\"offset\":-1,\"length\":40}]}]}")]
    [InlineData("{\"packs\":[{\"id\":\"PACK\",\"blobs\":[{\"id\":\"DATA\",\"type\":\"data\",\"offset\":\"0\",\"length\":40}]}]}")]
    [InlineData("{\"packs\":[{\"id\":\"PACK\",\"blobs\":[{\"id\":\"DATA\",\"offset\":0,\"length\":40}]}]}")]
    [InlineData("{\"packs\":[{\"id\":\"PACK\",\"blobs\":[{\"id\":\"DATA\",\"type\":\"data\",\"offset\":0,\"length\":40,\"uncompressed_length\":4294967296}]}]}")]
    [InlineData("{\"packs\":[{\"id\":\"PACK\",\"blobs\":[7]}]}")]
    [InlineData("{\"supersedes\":[1],\"packs\":[]}")]
    public void Malformed_index_files_are_format_errors_naming_the_file(string template)
    {
        var json = template.Replace("PACK", Pack.ToString()).Replace("DATA", Data.ToString());
        var error = Assert.Throws<RepositoryFormatException>(() => IndexFile.Parse(Utf8(json), "bad"));
        Assert.StartsWith("index bad: cannot be parsed: ", error.Message);
        Assert.Throws<RepositoryFormatException>(() => IndexFile.ParseInto(Utf8(json), "bad", new MasterIndex()));
    }
}
