using Backup.Core.Crypto;
using Backup.Core.Model;
using Backup.Core.Repository;
using Backup.Core.Repository.Indexing;
using Backup.Core.Repository.Packs;

namespace Backup.Core.Tests.Repository;

public class PackFormatTests
{
    [Fact]
    public void A_finished_pack_has_the_size_the_index_predicts_and_its_header_decodes_to_its_blobs()
    {
        var key = CryptoKey.NewRandom();
        using var output = new MemoryStream();
        using var writer = new PackWriter(BlobType.Data, output);
        var plain1 = new byte[] { 1, 2, 3 };
        var plain2 = new byte[1000];
        writer.Add(Id.Hash(plain1), key.Seal(plain1), 0);
        writer.Add(Id.Hash(plain2), key.Seal([9, 9]), 1000);
        var pack = writer.Finish(key);
        var data = output.ToArray();

        Assert.Equal(Id.Hash(data), pack.Id);
        Assert.Equal(data.Length, pack.Length);
        Assert.Equal(PackFormat.ExpectedSize(pack.Blobs), data.Length);
        Assert.Equal(3 + 32 + 2 + 32 + 37 + 41 + 32 + 4, data.Length);

        var headerLength = PackFormat.HeaderLength(data.AsSpan(data.Length - 4), data.Length, "test");
        Assert.Equal(37 + 41 + 32, headerLength);
        var header = PackFormat.DecodeHeader(key.Open(data.AsSpan(data.Length - 4 - headerLength, headerLength)), "test");
        Assert.Equal(pack.Blobs, header);
        Assert.Equal(35u, header[1].Offset);
        Assert.True(header[1].IsCompressed);
        Assert.Equal(1000u, header[1].DataLength);
    }

    [Fact]
    public void Impossible_header_lengths_are_rejected_naming_the_pack()
    {
        var error = Assert.Throws<RepositoryFormatException>(() => PackFormat.HeaderLength(BitConverter.GetBytes(5000u), 200, "abc"));
        Assert.Contains("abc", error.Message);
        Assert.Throws<RepositoryFormatException>(() => PackFormat.HeaderLength(BitConverter.GetBytes(40u), 50, "abc"));
    }

    [Fact]
    public void Index_json_round_trips_and_omits_uncompressed_length_for_plain_blobs()
    {
        var index = new IndexFile();
        index.Supersedes.Add(Id.Hash([1]));
        index.Packs.Add(new IndexedPack(Id.Hash([2]), [
            new PackedBlob(BlobType.Data, Id.Hash([3]), 0, 54, 13),
            new PackedBlob(BlobType.Tree, Id.Hash([4]), 54, 271, 0),
        ]));
        var json = index.ToJson();
        var text = System.Text.Encoding.UTF8.GetString(json);
        Assert.StartsWith("{\"supersedes\":[\"", text);
        Assert.EndsWith("]}\n", text);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(text, "uncompressed_length"));

        var parsed = IndexFile.Parse(json, "x");
        Assert.Equal(index.Supersedes, parsed.Supersedes);
        Assert.Equal(index.Packs[0].Blobs, parsed.Packs[0].Blobs);
    }

    [Fact]
    public void Old_index_format_as_a_bare_array_is_read()
    {
        var pack = Id.Hash([7]);
        var blob = Id.Hash([8]);
        var json = $"[{{\"id\":\"{pack}\",\"blobs\":[{{\"id\":\"{blob}\",\"type\":\"data\",\"offset\":0,\"length\":40}}]}}]";
        var parsed = IndexFile.Parse(System.Text.Encoding.UTF8.GetBytes(json), "old");
        Assert.Equal(blob, parsed.Packs.Single().Blobs.Single().Id);
    }
}
