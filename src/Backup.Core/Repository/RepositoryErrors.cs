namespace Backup.Core.Repository;

/// <summary>No key file of the repository opens with the given password (exit code 12).</summary>
public sealed class WrongPasswordException(string message) : Exception(message);

/// <summary>Another process holds a conflicting lock on the repository (exit code 11).</summary>
public sealed class RepositoryLockedException(string message) : Exception(message);

/// <summary>The repository's data is damaged or not in the format we understand.</summary>
public sealed class RepositoryFormatException(string message, Exception? inner = null) : Exception(message, inner);
