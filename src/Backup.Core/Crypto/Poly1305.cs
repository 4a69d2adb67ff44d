using static Backup.Core.Crypto.Interop.LibCrypto;

namespace Backup.Core.Crypto;

/// <summary>The Poly1305 one-time authenticator of RFC 8439, computed by OpenSSL's libcrypto.</summary>
public static class Poly1305
{
    public const int KeySize = 32;
    public const int TagSize = 16;

    private static nint s_algorithm;

    /// <summary>Computes the tag of <paramref name="message"/> under the one-time key r ‖ s (r is clamped here).</summary>
    public static void ComputeTag(ReadOnlySpan<byte> key32, ReadOnlySpan<byte> message, Span<byte> tag16)
    {
        using var computation = Start(key32);
        computation.Append(message);
        computation.Finish(tag16);
    }

    /// <summary>Starts a tag over a message that arrives in pieces; append them in order, then finish.</summary>
    public static Computation Start(ReadOnlySpan<byte> key32) => new(key32);

    /// <summary>One tag being computed. Disposing frees the native context and with it OpenSSL's copy of the key.</summary>
    public unsafe ref struct Computation : IDisposable
    {
        private nint _context;

        internal Computation(ReadOnlySpan<byte> key32)
        {
            if (key32.Length != KeySize)
            {
                throw new ArgumentException($"a Poly1305 key has {KeySize} bytes, not {key32.Length}", nameof(key32));
            }

            var context = EvpMacCtxNew(Algorithm());
            if (context == 0)
            {
                throw Failure("EVP_MAC_CTX_new");
            }

            fixed (byte* k = key32)
            {
                if (EvpMacInit(context, k, KeySize, 0) != 1)
                {
                    EvpMacCtxFree(context);
                    throw Failure("EVP_MAC_init");
                }
            }

            _context = context;
        }

        public readonly void Append(ReadOnlySpan<byte> data)
        {
            ObjectDisposedException.ThrowIf(_context == 0, typeof(Computation));
            if (data.IsEmpty)
            {
                return;
            }

            fixed (byte* m = data)
            {
                if (EvpMacUpdate(_context, m, (nuint)data.Length) != 1)
                {
                    throw Failure("EVP_MAC_update");
                }
            }
        }

        public readonly void Finish(Span<byte> tag16)
        {
            ObjectDisposedException.ThrowIf(_context == 0, typeof(Computation));
            if (tag16.Length < TagSize)
            {
                throw new ArgumentException($"a Poly1305 tag needs {TagSize} bytes, the buffer has {tag16.Length}", nameof(tag16));
            }

            nuint written = 0;
            fixed (byte* t = tag16)
            {
                if (EvpMacFinal(_context, t, &written, TagSize) != 1)
                {
                    throw Failure("EVP_MAC_final");
                }
            }

            if (written != TagSize)
            {
                throw new System.Security.Cryptography.CryptographicException(
                    $"libcrypto EVP_MAC_final wrote {written} bytes, expected a {TagSize}-byte Poly1305 tag");
            }
        }

        public void Dispose()
        {
            if (_context != 0)
            {
                EvpMacCtxFree(_context);
                _context = 0;
            }
        }
    }

    private static nint Algorithm()
    {
        var algorithm = Volatile.Read(ref s_algorithm);
        if (algorithm != 0)
        {
            return algorithm;
        }

        var fetched = EvpMacFetch(0, "POLY1305", 0);
        if (fetched == 0)
        {
            throw Failure("EVP_MAC_fetch(POLY1305)");
        }

        // Two threads may fetch at once; keep the first and release the other.
        var winner = Interlocked.CompareExchange(ref s_algorithm, fetched, 0);
        if (winner != 0)
        {
            EvpMacFree(fetched);
            return winner;
        }

        return fetched;
    }
}
