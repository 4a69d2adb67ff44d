using static Backup.Core.Crypto.Interop.LibCrypto;

namespace Backup.Core.Crypto;

/// <summary>The Poly1305 one-time authenticator of RFC 8439, computed by OpenSSL's libcrypto.</summary>
public static class Poly1305
{
    public const int KeySize = 32;
    public const int TagSize = 16;

    private static nint s_algorithm;

    /// <summary>Computes the tag of <paramref name="message"/> under the one-time key r ‖ s (r is clamped here).</summary>
    public static unsafe void ComputeTag(ReadOnlySpan<byte> key32, ReadOnlySpan<byte> message, Span<byte> tag16)
    {
        if (key32.Length != KeySize)
        {
            throw new ArgumentException($"a Poly1305 key has {KeySize} bytes, not {key32.Length}", nameof(key32));
        }

        if (tag16.Length < TagSize)
        {
            throw new ArgumentException($"a Poly1305 tag needs {TagSize} bytes, the buffer has {tag16.Length}", nameof(tag16));
        }

        var context = EvpMacCtxNew(Algorithm());
        if (context == 0)
        {
            throw Failure("EVP_MAC_CTX_new");
        }

        try
        {
            fixed (byte* k = key32)
            fixed (byte* m = message)
            fixed (byte* t = tag16)
            {
                if (EvpMacInit(context, k, KeySize, 0) != 1)
                {
                    throw Failure("EVP_MAC_init");
                }

                if (!message.IsEmpty && EvpMacUpdate(context, m, (nuint)message.Length) != 1)
                {
                    throw Failure("EVP_MAC_update");
                }

                nuint written = 0;
                if (EvpMacFinal(context, t, &written, TagSize) != 1)
                {
                    throw Failure("EVP_MAC_final");
                }

                if (written != TagSize)
                {
                    throw new System.Security.Cryptography.CryptographicException(
                        $"libcrypto EVP_MAC_final wrote {written} bytes, expected a {TagSize}-byte Poly1305 tag");
                }
            }
        }
        finally
        {
            // The context holds a copy of the key; freeing it lets OpenSSL wipe that copy.
            EvpMacCtxFree(context);
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
