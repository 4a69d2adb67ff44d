using System.Buffers.Binary;
using System.Security.Cryptography;
using Backup.Core.Chunking;

namespace Backup.Core.Tests.Chunking;

public class ChunkerTests
{
    private static readonly Polynomial TestPolynomial = new(0x3da3358b4dc173);

    [Fact]
    public void Tables_for_the_reference_polynomial_match_restic()
    {
        var tables = ChunkerTables.For(TestPolynomial);
        Assert.Equal(53, tables.Degree);
        Assert.Equal(0x17eb4232e19216UL, tables.Out[1]);
        Assert.Equal(0x1275b1ee8ee55fUL, tables.Out[2]);
        Assert.Equal(0xb80b98cecc39aUL, tables.Out[255]);
        Assert.Equal(0x3da3358b4dc173UL, tables.Mod[1]);
        Assert.Equal(0x46e55e9dd64395UL, tables.Mod[2]);
        Assert.Equal(0x1ff7ac8a5af476a7UL, tables.Mod[255]);
        Assert.Equal(0UL, tables.Out[0]);
        Assert.Equal(0UL, tables.Mod[0]);
    }

    [Fact]
    public void Tables_are_built_once_per_polynomial()
    {
        Assert.Same(ChunkerTables.For(TestPolynomial), ChunkerTables.For(new Polynomial(0x3da3358b4dc173)));
        Assert.NotSame(ChunkerTables.For(TestPolynomial), ChunkerTables.For(new Polynomial(0x37f2b5dc58bfad)));
    }

    [Fact]
    public void Test_vector_gives_restics_chunk_lengths()
    {
        var data = TestVector();
        Assert.Equal("dd4dd87ac92dd0462503941469c4f06a70c0e4a1a0a6545d4c2c4e98ea2821e1", Convert.ToHexStringLower(SHA256.HashData(data)));
        Assert.Equal(new[] { 1015968, 1087132, 693439, 2344058, 903280, 1709091, 635640 }, ChunkLengths(TestPolynomial, data));
    }

    [Fact]
    public void Test_vector_fed_in_small_pieces_gives_the_same_lengths()
    {
        var data = TestVector();
        Assert.Equal(new[] { 1015968, 1087132, 693439, 2344058, 903280, 1709091, 635640 }, ChunkLengths(TestPolynomial, data, piece: 4099));
        Assert.Equal(new[] { 1015968, 1087132, 693439, 2344058, 903280, 1709091, 635640 }, ChunkLengths(TestPolynomial, data, piece: 63));
    }

    [Fact]
    public void Zeros_cut_at_exactly_the_minimum_size()
    {
        var data = new byte[3 * 1024 * 1024 + 100];
        Assert.Equal(new[] { 524288, 524288, 524288, 524288, 524288, 524288, 100 }, ChunkLengths(TestPolynomial, data));
    }

    [Fact]
    public void A_repeated_pattern_without_boundaries_cuts_at_the_maximum_size()
    {
        var pattern = "The quick brown fox jumps over the lazy dog; 0123456789 ABCDEF.\n"u8.ToArray();
        Assert.Equal(64, pattern.Length);
        var data = new byte[20 * 1024 * 1024];
        for (var i = 0; i < data.Length; i += pattern.Length)
        {
            pattern.CopyTo(data, i);
        }

        Assert.Equal(new[] { 8 * 1024 * 1024, 8 * 1024 * 1024, 4 * 1024 * 1024 }, ChunkLengths(TestPolynomial, data));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(Chunker.MinSize - 64)]
    [InlineData(Chunker.MinSize - 1)]
    [InlineData(Chunker.MinSize)]
    public void Data_up_to_the_minimum_size_is_one_chunk(int size)
    {
        var data = new byte[size]; // zeros: the most eager data, cutting at the first allowed byte
        Assert.Equal(new[] { size }, ChunkLengths(TestPolynomial, data));
    }

    [Fact]
    public void Empty_data_has_no_chunks()
    {
        Assert.Empty(ChunkLengths(TestPolynomial, Array.Empty<byte>()));
    }

    [Fact]
    public void Random_data_gives_chunks_within_the_size_limits_that_cover_the_input()
    {
        var data = RandomBytes(40 * 1024 * 1024, seed: 7);
        var lengths = ChunkLengths(TestPolynomial, data);
        Assert.Equal(data.Length, lengths.Sum());
        Assert.All(lengths.SkipLast(1), n => Assert.InRange(n, Chunker.MinSize, Chunker.MaxSize));
        Assert.InRange(lengths.Count, 10, 40); // about 1.5 MiB on average
    }

    [Fact]
    public void Cuts_depend_only_on_the_window_so_chunks_realign_after_an_insertion()
    {
        var data = RandomBytes(24 * 1024 * 1024, seed: 11);
        var shifted = new byte[data.Length + 1000];
        data.AsSpan(0, 100).CopyTo(shifted);
        data.AsSpan(100).CopyTo(shifted.AsSpan(1100));

        var original = ChunkIds(TestPolynomial, data);
        var modified = ChunkIds(TestPolynomial, shifted);
        Assert.NotEqual(original[0], modified[0]);
        Assert.Equal(original.Skip(1), modified.Skip(1));
    }

    [Fact]
    public void Different_polynomials_give_different_cuts()
    {
        var data = RandomBytes(24 * 1024 * 1024, seed: 3);
        Assert.NotEqual(ChunkLengths(TestPolynomial, data), ChunkLengths(new Polynomial(0x37f2b5dc58bfad), data));
    }

    [Fact]
    public void Reset_forgets_the_previous_chunk()
    {
        var data = TestVector();
        var chunker = new Chunker(TestPolynomial);
        Assert.Equal(-1, chunker.FindCut(RandomBytes(Chunker.MinSize - 10, seed: 5)));
        chunker.Reset();
        Assert.Equal(1015968, chunker.FindCut(data));
    }

    [Theory]
    [InlineData(0x1ffUL)]               // degree 8: the smallest allowed
    [InlineData(0x3da3358b4dc173UL)]    // degree 53: the largest allowed
    public void Accepts_degrees_from_8_to_53(ulong value)
    {
        _ = new Chunker(new Polynomial(value));
    }

    [Theory]
    [InlineData(0xffUL)]
    [InlineData(0x40000000000001UL)]
    [InlineData(0UL)]
    public void Rejects_degrees_outside_8_to_53(ulong value)
    {
        var e = Assert.Throws<ArgumentException>(() => new Chunker(new Polynomial(value)));
        Assert.Contains(new Polynomial(value).ToString(), e.Message);
    }

    [Theory]
    [InlineData(0x3da3358b4dc173UL)] // degree 53: the specialised path restic's polynomials take
    [InlineData(0x37f2b5dc58bfadUL)]
    [InlineData(0x1d3c4b5a697UL)]    // degree 40: generic four-byte rounds
    [InlineData(0x1a1b2c3d5UL)]      // degree 32: the smallest degree with four-byte rounds
    [InlineData(0xa1b2c3d5UL)]       // degree 31: byte at a time only
    [InlineData(0x11bUL)]            // degree 8: the digest is below 2^20, cuts are frequent
    public void Agrees_with_a_plain_transcription_of_the_format_for_any_allowed_degree(ulong value)
    {
        var polynomial = new Polynomial(value);
        var data = MixedData();
        var expected = ReferenceChunker.ChunkLengths(polynomial, data);
        Assert.True(expected.Count > 5);
        Assert.Equal(expected, ChunkLengths(polynomial, data));
        Assert.Equal(expected, ChunkLengthsInRandomPieces(polynomial, data, seed: (int)value));
    }

    /// <summary>Concatenation of SHA-256(uint64_le(i)) for i = 0 .. 262143: 8 MiB.</summary>
    internal static byte[] TestVector()
    {
        var data = new byte[262144 * 32];
        Span<byte> counter = stackalloc byte[8];
        for (var i = 0; i < 262144; i++)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(counter, (ulong)i);
            SHA256.HashData(counter, data.AsSpan(i * 32, 32));
        }

        return data;
    }

    internal static byte[] RandomBytes(int length, int seed)
    {
        var data = new byte[length];
        new Random(seed).NextBytes(data);
        return data;
    }

    /// <summary>Chunks <paramref name="data"/> by feeding FindCut directly, optionally in pieces of a fixed size.</summary>
    internal static List<int> ChunkLengths(Polynomial polynomial, byte[] data, int piece = int.MaxValue)
    {
        var chunker = new Chunker(polynomial);
        var lengths = new List<int>();
        var chunkStart = 0;
        var position = 0;
        while (position < data.Length)
        {
            var count = Math.Min(piece, data.Length - position);
            var cut = chunker.FindCut(data.AsSpan(position, count));
            if (cut < 0)
            {
                position += count;
                continue;
            }

            position += cut;
            lengths.Add(position - chunkStart);
            chunkStart = position;
            chunker.Reset();
        }

        if (chunkStart < data.Length)
        {
            lengths.Add(data.Length - chunkStart);
        }

        return lengths;
    }

    /// <summary>Feeds FindCut pieces of random size, mostly small, so every path that spans calls is taken.</summary>
    internal static List<int> ChunkLengthsInRandomPieces(Polynomial polynomial, byte[] data, int seed)
    {
        var random = new Random(seed);
        var chunker = new Chunker(polynomial);
        var lengths = new List<int>();
        var chunkStart = 0;
        var position = 0;
        while (position < data.Length)
        {
            var piece = random.Next(4) == 0 ? random.Next(1, 3_000_000) : random.Next(1, 200);
            var count = Math.Min(piece, data.Length - position);
            var cut = chunker.FindCut(data.AsSpan(position, count));
            if (cut < 0)
            {
                position += count;
                continue;
            }

            position += cut;
            lengths.Add(position - chunkStart);
            chunkStart = position;
            chunker.Reset();
        }

        if (chunkStart < data.Length)
        {
            lengths.Add(data.Length - chunkStart);
        }

        return lengths;
    }

    /// <summary>Random, zero and periodic stretches, so cuts happen at MinSize, by content and at MaxSize.</summary>
    internal static byte[] MixedData()
    {
        var data = new byte[24 * 1024 * 1024];
        new Random(42).NextBytes(data.AsSpan(0, 7 * 1024 * 1024));
        data.AsSpan(7 * 1024 * 1024, 2 * 1024 * 1024 + 333).Clear();
        for (var i = 9 * 1024 * 1024 + 333; i < 19 * 1024 * 1024; i++)
        {
            data[i] = (byte)(i % 64 * 13);
        }

        new Random(43).NextBytes(data.AsSpan(19 * 1024 * 1024));
        return data;
    }

    internal static List<string> ChunkIds(Polynomial polynomial, byte[] data)
    {
        var ids = new List<string>();
        var start = 0;
        foreach (var length in ChunkLengths(polynomial, data))
        {
            ids.Add(Convert.ToHexStringLower(SHA256.HashData(data.AsSpan(start, length))));
            start += length;
        }

        return ids;
    }
}
