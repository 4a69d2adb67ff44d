using static Backup.Core.Crypto.Interop.LibCrypto;

namespace Backup.Core.Crypto;

/// <summary>The scrypt key derivation function of RFC 7914, computed by OpenSSL's libcrypto.</summary>
public static class Scrypt
{
    /// <summary>Derives <paramref name="length"/> bytes; N must be a power of two above 1, r and p at least 1, r·p below 2^30.</summary>
    public static unsafe byte[] DeriveKey(ReadOnlySpan<byte> password, ReadOnlySpan<byte> salt, ulong n, uint r, uint p, int length)
    {
        if (n <= 1 || (n & (n - 1)) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(n), n, "scrypt N must be a power of two greater than 1");
        }

        ArgumentOutOfRangeException.ThrowIfZero(r);
        ArgumentOutOfRangeException.ThrowIfZero(p);
        ArgumentOutOfRangeException.ThrowIfLessThan(length, 1);
        if ((ulong)r * p >= 1UL << 30)
        {
            throw new ArgumentOutOfRangeException(nameof(p), p, $"scrypt r·p must be below 2^30 (r={r})");
        }

        // OpenSSL refuses to run when its working memory (128·r·(N+2) for V plus 128·r·p for B) exceeds maxmem.
        ulong memory;
        try
        {
            memory = checked((128UL * r * (n + 2)) + (128UL * r * p));
        }
        catch (OverflowException)
        {
            throw new ArgumentOutOfRangeException(nameof(n), n, $"scrypt with N={n}, r={r}, p={p} needs more memory than can be addressed");
        }

        var key = new byte[length];

        // A null pointer means "use the empty string" to OpenSSL, but pass a real one so behaviour never depends on that.
        byte empty = 0;
        fixed (byte* passwordPointer = password)
        fixed (byte* saltPointer = salt)
        fixed (byte* keyPointer = key)
        {
            var ok = EvpPbeScrypt(
                password.IsEmpty ? &empty : passwordPointer, (nuint)password.Length,
                salt.IsEmpty ? &empty : saltPointer, (nuint)salt.Length,
                n, r, p, memory, keyPointer, (nuint)length);
            if (ok != 1)
            {
                throw Failure("EVP_PBE_scrypt");
            }
        }

        return key;
    }
}
