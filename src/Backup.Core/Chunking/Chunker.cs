namespace Backup.Core.Chunking;

/// <summary>
/// Content-defined chunker with restic's parameters (64-byte window, 512 KiB minimum, 8 MiB maximum,
/// 20-bit split mask), so that cut points, and therefore blob IDs, match restic's for the same polynomial.
/// Not thread-safe: use one instance per stream.
/// </summary>
public sealed class Chunker
{
    public const int MinSize = 512 * 1024, MaxSize = 8 * 1024 * 1024;

    private const int WindowSize = ChunkerTables.WindowSize;
    private const int WindowMask = WindowSize - 1;
    private const ulong SplitMask = (1UL << 20) - 1;

    private readonly ulong[] _out;
    private readonly ulong[] _mod;
    private readonly int _shift;
    private readonly byte[] _window = new byte[WindowSize];
    private ulong _digest;
    private int _windowPosition;
    private int _count;

    public Chunker(Polynomial polynomial)
    {
        var degree = polynomial.Degree;
        if (degree > 53 || degree < 8)
        {
            throw new ArgumentException($"chunker polynomial {polynomial} has degree {degree}; it must be between 8 and 53", nameof(polynomial));
        }

        var tables = ChunkerTables.For(polynomial);
        _out = tables.Out;
        _mod = tables.Mod;
        _shift = tables.Shift;
        Polynomial = polynomial;
    }

    public Polynomial Polynomial { get; }

    /// <summary>Starts a new chunk (also the start of every file).</summary>
    public void Reset()
    {
        // restic starts from a window holding a single 1 byte; that byte leaves the window exactly when the
        // chunk reaches MinSize, the first place a cut is checked, so an all-zero start gives the same cuts.
        Array.Clear(_window);
        _digest = 0;
        _windowPosition = 0;
        _count = 0;
    }

    /// <summary>
    /// Feeds the next bytes of the current chunk. Returns how many bytes of <paramref name="data"/> belong to
    /// the current chunk up to and including the cut byte, or -1 when all of it belongs to the current chunk and
    /// no cut was found yet. After a cut, call <see cref="Reset"/> and feed the remaining bytes.
    /// </summary>
    public unsafe int FindCut(ReadOnlySpan<byte> data)
    {
        var found = false;
        var length = data.Length;
        var i = 0;

        // Bytes before the last window ahead of MinSize cannot influence any cut: skip them unhashed.
        const int skipEnd = MinSize - WindowSize;
        if (_count < skipEnd)
        {
            var skip = Math.Min(skipEnd - _count, length);
            _count += skip;
            i = skip;
            if (i == length)
            {
                return -1;
            }
        }

        var digest = _digest;
        var position = _windowPosition;
        var shift = _shift;
        fixed (byte* input = data)
        fixed (byte* window = _window)
        fixed (ulong* outTable = _out)
        fixed (ulong* modTable = _mod)
        {
            // Fill the window up to one byte before MinSize: no cut is possible there.
            var warmEnd = Math.Min(length, i + (MinSize - 1 - _count));
            if (warmEnd > i)
            {
                _count += warmEnd - i;
                for (; i < warmEnd; i++)
                {
                    var b = input[i];
                    var leaving = window[position];
                    window[position] = b;
                    position = (position + 1) & WindowMask;
                    digest ^= outTable[leaving];
                    digest = ((digest << 8) | b) ^ modTable[digest >> shift];
                }
            }

            // From MinSize on every byte is a candidate; stopping at MaxSize keeps the size test out of the loop.
            var end = Math.Min(length, i + (MaxSize - _count));
            var start = i;
            for (; i < end; i++)
            {
                var b = input[i];
                var leaving = window[position];
                window[position] = b;
                position = (position + 1) & WindowMask;
                digest ^= outTable[leaving];
                digest = ((digest << 8) | b) ^ modTable[digest >> shift];
                if ((digest & SplitMask) == 0)
                {
                    found = true;
                    i++;
                    break;
                }
            }

            _count += i - start;
        }

        _digest = digest;
        _windowPosition = position;
        return found || _count >= MaxSize ? i : -1;
    }
}
