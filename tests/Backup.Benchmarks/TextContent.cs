using System.Text;

namespace Backup.Benchmarks;

/// <summary>
/// Fills buffers with text that looks like an application log: timestamps, levels, component
/// names, sentences drawn from a fixed vocabulary and key=value fields. zstd shrinks it to roughly
/// a third, and no two buffers are alike, so neither tool can win by deduplication.
/// </summary>
internal static class TextContent
{
    private static readonly byte[][] Words = Split(
        "the a an of to in for on with at by from up about into over after request response " +
        "user session token cache index table row column query update insert delete select " +
        "server client worker thread queue job task batch stream buffer packet frame socket " +
        "connection timeout retry backoff limit quota memory disk file directory path volume " +
        "snapshot backup restore archive compress encrypt decrypt verify checksum hash block " +
        "chunk blob pack tree node leaf parent child root lock unlock open close read write " +
        "flush sync commit rollback begin end start stop pause resume ready idle busy failed " +
        "succeeded accepted rejected completed pending queued scheduled started finished " +
        "skipped ignored expired renewed created removed moved copied renamed changed loaded " +
        "saved sent received parsed validated authorized denied allowed configured detected " +
        "slow fast large small empty full missing invalid unknown unexpected temporary final " +
        "primary secondary replica leader follower election term vote heartbeat lease epoch " +
        "alpha beta gamma delta kernel module driver device sensor metric gauge counter " +
        "histogram sample interval window period deadline budget cost price order invoice " +
        "account customer product item cart payment refund shipment warehouse region zone " +
        "cluster host address port route gateway proxy balancer certificate handshake cipher " +
        "was is are has have had will would could should may might must not no yes then " +
        "because while when where which what who how why all any each every some most many");

    private static readonly byte[][] Levels = Split("INFO INFO INFO INFO INFO DEBUG DEBUG WARN ERROR TRACE");

    private static readonly byte[][] Components = Split(
        "api scheduler storage auth billing search indexer mailer gateway replicator compactor " +
        "uploader downloader planner executor monitor");

    private static readonly byte[][] Keys = Split("id user_id duration_ms bytes status attempt shard offset count latency_us");

    private static byte[][] Split(string text)
        => text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(Encoding.ASCII.GetBytes).ToArray();

    /// <summary>Fills the whole of <paramref name="destination"/>; the last line is cut where the buffer ends.</summary>
    public static void Fill(Span<byte> destination, ref Rng rng)
    {
        var w = new Writer(destination);
        // Milliseconds since 2024-01-01T00:00:00Z; advances a little on every line.
        var clock = (long)(rng.Next() % (300UL * 24 * 3600 * 1000));
        while (!w.Full)
        {
            clock += rng.Below(2000);
            WriteTimestamp(ref w, clock);
            w.Put((byte)' ');
            w.Put(Levels[rng.Below(Levels.Length)]);
            w.Put(" ["u8);
            w.Put(Components[rng.Below(Components.Length)]);
            w.Put((byte)'-');
            w.PutNumber(rng.Below(32));
            w.Put("] "u8);
            var sentence = 4 + rng.Below(12);
            for (var i = 0; i < sentence; i++)
            {
                if (i > 0)
                {
                    w.Put((byte)' ');
                }

                w.Put(Words[rng.Below(Words.Length)]);
            }

            var fields = rng.Below(4);
            for (var i = 0; i < fields; i++)
            {
                w.Put((byte)' ');
                w.Put(Keys[rng.Below(Keys.Length)]);
                w.Put((byte)'=');
                w.PutNumber(rng.Below(1 << (4 + rng.Below(20))));
            }

            w.Put((byte)'\n');
        }
    }

    private static void WriteTimestamp(ref Writer w, long milliseconds)
    {
        var day = (int)(milliseconds / 86_400_000);
        var ms = (int)(milliseconds % 86_400_000);
        var month = 1 + (day / 28 % 12);
        var dayOfMonth = 1 + (day % 28);
        w.Put("2024-"u8);
        w.Put2(month);
        w.Put((byte)'-');
        w.Put2(dayOfMonth);
        w.Put((byte)'T');
        w.Put2(ms / 3_600_000);
        w.Put((byte)':');
        w.Put2(ms / 60_000 % 60);
        w.Put((byte)':');
        w.Put2(ms / 1000 % 60);
        w.Put((byte)'.');
        w.Put((byte)('0' + (ms / 100 % 10)));
        w.Put2(ms % 100);
        w.Put((byte)'Z');
    }

    private ref struct Writer(Span<byte> buffer)
    {
        private readonly Span<byte> _buffer = buffer;
        private int _position;

        public readonly bool Full => _position >= _buffer.Length;

        public void Put(byte b)
        {
            if (_position < _buffer.Length)
            {
                _buffer[_position++] = b;
            }
        }

        public void Put(ReadOnlySpan<byte> bytes)
        {
            var n = Math.Min(bytes.Length, _buffer.Length - _position);
            bytes[..n].CopyTo(_buffer[_position..]);
            _position += n;
        }

        public void Put2(int value)
        {
            Put((byte)('0' + (value / 10 % 10)));
            Put((byte)('0' + (value % 10)));
        }

        public void PutNumber(int value)
        {
            Span<byte> digits = stackalloc byte[10];
            var n = 0;
            do
            {
                digits[n++] = (byte)('0' + (value % 10));
                value /= 10;
            }
            while (value > 0);

            for (var i = n - 1; i >= 0; i--)
            {
                Put(digits[i]);
            }
        }
    }
}
