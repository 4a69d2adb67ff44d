using System.Runtime.InteropServices;

namespace Backup.Core.Crypto;

internal static partial class Interop
{
    /// <summary>OpenSSL 3 libcrypto, the same library the .NET runtime already loads for System.Security.Cryptography.</summary>
    internal static unsafe partial class LibCrypto
    {
        private const string Library = "libcrypto.so.3";

        // EVP_MAC_fetch(3): fetches an algorithm implementation; the result is shareable across threads.
        [LibraryImport(Library, EntryPoint = "EVP_MAC_fetch", StringMarshalling = StringMarshalling.Utf8, SetLastError = false)]
        internal static partial nint EvpMacFetch(nint libraryContext, string algorithm, nint properties);

        // EVP_MAC_free(3)
        [LibraryImport(Library, EntryPoint = "EVP_MAC_free", SetLastError = false)]
        internal static partial void EvpMacFree(nint mac);

        // EVP_MAC_CTX_new(3)
        [LibraryImport(Library, EntryPoint = "EVP_MAC_CTX_new", SetLastError = false)]
        internal static partial nint EvpMacCtxNew(nint mac);

        // EVP_MAC_CTX_free(3)
        [LibraryImport(Library, EntryPoint = "EVP_MAC_CTX_free", SetLastError = false)]
        internal static partial void EvpMacCtxFree(nint context);

        // EVP_MAC_init(3): returns 1 on success.
        [LibraryImport(Library, EntryPoint = "EVP_MAC_init", SetLastError = false)]
        internal static partial int EvpMacInit(nint context, byte* key, nuint keyLength, nint parameters);

        // EVP_MAC_update(3): returns 1 on success.
        [LibraryImport(Library, EntryPoint = "EVP_MAC_update", SetLastError = false)]
        internal static partial int EvpMacUpdate(nint context, byte* data, nuint dataLength);

        // EVP_MAC_final(3): returns 1 on success.
        [LibraryImport(Library, EntryPoint = "EVP_MAC_final", SetLastError = false)]
        internal static partial int EvpMacFinal(nint context, byte* output, nuint* outputLength, nuint outputSize);

        // EVP_PBE_scrypt(3): returns 1 on success.
        [LibraryImport(Library, EntryPoint = "EVP_PBE_scrypt", SetLastError = false)]
        internal static partial int EvpPbeScrypt(
            byte* password, nuint passwordLength, byte* salt, nuint saltLength,
            ulong n, ulong r, ulong p, ulong maxMemory, byte* key, nuint keyLength);

        // ERR_get_error(3): pops the oldest entry of this thread's error queue, 0 when empty.
        [LibraryImport(Library, EntryPoint = "ERR_get_error", SetLastError = false)]
        internal static partial nuint ErrGetError();

        // ERR_error_string_n(3)
        [LibraryImport(Library, EntryPoint = "ERR_error_string_n", SetLastError = false)]
        internal static partial void ErrErrorStringN(nuint error, byte* buffer, nuint length);

        /// <summary>
        /// An exception naming the failed call, with the reasons OpenSSL queued; drains the queue so
        /// a later, unrelated failure on this thread does not report stale reasons.
        /// </summary>
        internal static System.Security.Cryptography.CryptographicException Failure(string function)
        {
            var reasons = new List<string>();
            Span<byte> text = stackalloc byte[256];
            for (var error = ErrGetError(); error != 0; error = ErrGetError())
            {
                text.Clear();
                fixed (byte* p = text)
                {
                    ErrErrorStringN(error, p, (nuint)text.Length);
                }

                var length = text.IndexOf((byte)0);
                reasons.Add(System.Text.Encoding.UTF8.GetString(length < 0 ? text : text[..length]));
            }

            var detail = reasons.Count == 0 ? "no reason given" : string.Join("; ", reasons);
            return new System.Security.Cryptography.CryptographicException($"libcrypto {function} failed: {detail}");
        }
    }
}
