namespace Backup.Core.Crypto;

/// <summary>Sealed data failed its MAC check (or cannot be sealed data at all): it was altered, or the key is wrong.</summary>
public sealed class CryptoAuthenticationException : Exception
{
    public CryptoAuthenticationException()
        : base("ciphertext verification failed (MAC mismatch)")
    {
    }

    public CryptoAuthenticationException(string message)
        : base(message)
    {
    }

    public CryptoAuthenticationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
