using Backup.Core.Chunking;

namespace Backup.Core.Tests.Chunking;

public class PolynomialTests
{
    [Theory]
    [InlineData(0x3da3358b4dc173UL)]
    [InlineData(0x37f2b5dc58bfadUL)]
    [InlineData(0x11bUL)] // x^8 + x^4 + x^3 + x + 1, the AES polynomial
    [InlineData(0x2UL)]   // x: every degree-1 polynomial is irreducible
    public void Known_irreducible_polynomials_pass(ulong value)
    {
        Assert.True(new Polynomial(value).IsIrreducible());
    }

    [Theory]
    [InlineData(0x20000000000001UL)] // x^53 + 1 = (x + 1)(x^52 + ... + 1)
    [InlineData(0x3da3358b4dc172UL)] // divisible by x
    [InlineData(0x0UL)]
    [InlineData(0x1UL)]
    [InlineData(0x6UL)]              // x^2 + x = x(x + 1)
    [InlineData(0x15UL)]             // x^4 + x^2 + 1 = (x^2 + x + 1)^2
    public void Reducible_polynomials_fail(ulong value)
    {
        Assert.False(new Polynomial(value).IsIrreducible());
    }

    [Theory]
    [InlineData(8, 30)]
    [InlineData(9, 56)]
    [InlineData(10, 99)]
    [InlineData(11, 186)]
    public void Counts_of_irreducible_polynomials_per_degree_match_the_known_numbers(int degree, int expected)
    {
        var count = 0;
        for (var v = 1UL << degree; v < 2UL << degree; v++)
        {
            if (new Polynomial(v).IsIrreducible())
            {
                count++;
            }
        }

        Assert.Equal(expected, count);
    }

    [Fact]
    public void Product_of_two_irreducible_polynomials_is_reducible()
    {
        // (x^8 + x^4 + x^3 + x + 1)(x^5 + x^2 + 1), multiplied without reduction.
        ulong a = 0x11b, b = 0x25, product = 0;
        for (var i = 0; i < 6; i++)
        {
            if ((b >> i & 1) != 0)
            {
                product ^= a << i;
            }
        }

        Assert.Equal(13, new Polynomial(product).Degree);
        Assert.False(new Polynomial(product).IsIrreducible());
    }

    [Fact]
    public void Random_gives_distinct_irreducible_polynomials_of_degree_53()
    {
        var seen = new HashSet<ulong>();
        for (var i = 0; i < 8; i++)
        {
            var p = Polynomial.Random();
            Assert.Equal(53, p.Degree);
            Assert.True(p.IsIrreducible(), $"{p} is reducible");
            Assert.True((p.Value & 1) == 1);
            seen.Add(p.Value);
        }

        Assert.True(seen.Count > 1, "Random() returned the same polynomial every time");
    }

    [Theory]
    [InlineData(0UL, -1)]
    [InlineData(1UL, 0)]
    [InlineData(0x3da3358b4dc173UL, 53)]
    [InlineData(ulong.MaxValue, 63)]
    public void Degree_is_the_highest_set_bit(ulong value, int degree)
    {
        Assert.Equal(degree, new Polynomial(value).Degree);
    }

    [Theory]
    [InlineData("37f2b5dc58bfad", 0x37f2b5dc58bfadUL)]
    [InlineData("3DA3358B4DC173", 0x3da3358b4dc173UL)]
    [InlineData("003da3358b4dc173", 0x3da3358b4dc173UL)]
    [InlineData("1", 1UL)]
    [InlineData("ffffffffffffffff", ulong.MaxValue)]
    public void Parse_accepts_hex_of_either_case(string hex, ulong value)
    {
        Assert.Equal(value, Polynomial.Parse(hex).Value);
    }

    [Theory]
    [InlineData("0x3da3358b4dc173")]
    [InlineData("")]
    [InlineData(" 3da3358b4dc173")]
    [InlineData("3da3358b4dc17g")]
    [InlineData("10000000000000000")]
    public void Parse_rejects_anything_else_and_names_the_value(string hex)
    {
        var e = Assert.Throws<FormatException>(() => Polynomial.Parse(hex));
        Assert.Contains($"\"{hex}\"", e.Message);
    }

    [Theory]
    [InlineData(0x37f2b5dc58bfadUL, "37f2b5dc58bfad")]
    [InlineData(0x3da3358b4dc173UL, "3da3358b4dc173")]
    [InlineData(0xabcUL, "abc")]
    public void ToString_is_lower_case_hex_without_prefix_or_leading_zeros_and_round_trips(ulong value, string text)
    {
        var p = new Polynomial(value);
        Assert.Equal(text, p.ToString());
        Assert.Equal(p, Polynomial.Parse(p.ToString()));
    }

    [Fact]
    public void Random_polynomials_round_trip_through_text()
    {
        var p = Polynomial.Random();
        Assert.Equal(p, Polynomial.Parse(p.ToString()));
        Assert.Equal(p, Polynomial.Parse(p.ToString().ToUpperInvariant()));
    }

    [Fact]
    public void Equality_follows_the_value()
    {
        Assert.True(new Polynomial(5) == new Polynomial(5));
        Assert.True(new Polynomial(5) != new Polynomial(7));
        Assert.Equal(new Polynomial(5).GetHashCode(), new Polynomial(5).GetHashCode());
        Assert.False(new Polynomial(5).Equals((object)5UL));
    }
}
