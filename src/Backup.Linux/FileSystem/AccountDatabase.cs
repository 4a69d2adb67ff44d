using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using Backup.Core.FileSystem;

namespace Backup.Linux.FileSystem;

/// <summary>
/// User and group names through the C library's reentrant lookups (so NSS sources such as LDAP count),
/// cached because a scan asks for the same few owners hundreds of thousands of times.
/// </summary>
internal sealed class AccountDatabase
{
    private const int InitialBufferSize = 1024;

    // Entries with huge member lists need large buffers; beyond this the lookup gives up.
    private const int MaximumBufferSize = 16 * 1024 * 1024;

    private readonly ConcurrentDictionary<uint, string?> userNames = new();
    private readonly ConcurrentDictionary<uint, string?> groupNames = new();
    private readonly ConcurrentDictionary<string, uint?> userIds = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, uint?> groupIds = new(StringComparer.Ordinal);

    internal string? UserName(uint uid) => Cached(userNames, uid, LookUpUserName);

    internal string? GroupName(uint gid) => Cached(groupNames, gid, LookUpGroupName);

    internal uint? UserId(string name) => Cached(userIds, name, LookUpUserId);

    internal uint? GroupId(string name) => Cached(groupIds, name, LookUpGroupId);

    /// <summary>Answers are cached, "no such entry" included; a failed lookup (say, an unreachable directory server) is not.</summary>
    private static TValue Cached<TKey, TValue>(ConcurrentDictionary<TKey, TValue> cache, TKey key, Func<TKey, (TValue Value, bool Definite)> lookUp)
        where TKey : notnull
    {
        if (cache.TryGetValue(key, out var cached))
        {
            return cached;
        }

        var (value, definite) = lookUp(key);
        if (definite)
        {
            cache.TryAdd(key, value);
        }

        return value;
    }

    private static unsafe (string?, bool) LookUpUserName(uint uid)
    {
        for (var size = InitialBufferSize; size <= MaximumBufferSize; size *= 2)
        {
            var buffer = new byte[size];
            Interop.Passwd entry;
            Interop.Passwd* result = null;
            int error;
            fixed (byte* b = buffer)
            {
                error = Interop.GetpwuidR(uid, &entry, b, (nuint)size, &result);
                if (error == 0)
                {
                    return (result == null ? null : DecodeName(result->Name), true);
                }
            }

            if (error != Interop.Errors.ERANGE)
            {
                return (null, IsNotFound(error));
            }
        }

        return (null, false);
    }

    private static unsafe (string?, bool) LookUpGroupName(uint gid)
    {
        for (var size = InitialBufferSize; size <= MaximumBufferSize; size *= 2)
        {
            var buffer = new byte[size];
            Interop.Group entry;
            Interop.Group* result = null;
            int error;
            fixed (byte* b = buffer)
            {
                error = Interop.GetgrgidR(gid, &entry, b, (nuint)size, &result);
                if (error == 0)
                {
                    return (result == null ? null : DecodeName(result->Name), true);
                }
            }

            if (error != Interop.Errors.ERANGE)
            {
                return (null, IsNotFound(error));
            }
        }

        return (null, false);
    }

    private static unsafe (uint?, bool) LookUpUserId(string name)
    {
        var encoded = EncodeName(name);
        if (encoded is null)
        {
            return (null, true);
        }

        for (var size = InitialBufferSize; size <= MaximumBufferSize; size *= 2)
        {
            var buffer = new byte[size];
            Interop.Passwd entry;
            Interop.Passwd* result = null;
            int error;
            fixed (byte* n = encoded)
            fixed (byte* b = buffer)
            {
                error = Interop.GetpwnamR(n, &entry, b, (nuint)size, &result);
                if (error == 0)
                {
                    return (result == null ? null : result->Uid, true);
                }
            }

            if (error != Interop.Errors.ERANGE)
            {
                return (null, IsNotFound(error));
            }
        }

        return (null, false);
    }

    private static unsafe (uint?, bool) LookUpGroupId(string name)
    {
        var encoded = EncodeName(name);
        if (encoded is null)
        {
            return (null, true);
        }

        for (var size = InitialBufferSize; size <= MaximumBufferSize; size *= 2)
        {
            var buffer = new byte[size];
            Interop.Group entry;
            Interop.Group* result = null;
            int error;
            fixed (byte* n = encoded)
            fixed (byte* b = buffer)
            {
                error = Interop.GetgrnamR(n, &entry, b, (nuint)size, &result);
                if (error == 0)
                {
                    return (result == null ? null : result->Gid, true);
                }
            }

            if (error != Interop.Errors.ERANGE)
            {
                return (null, IsNotFound(error));
            }
        }

        return (null, false);
    }

    // getpwnam(3): these errors are how some NSS modules say "no such entry".
    private static bool IsNotFound(int error) =>
        error is Interop.Errors.ENOENT or Interop.Errors.EBADF or Interop.Errors.EPERM or Interop.Errors.ESRCH;

    private static unsafe string DecodeName(byte* name) =>
        PathEncoding.Decode(MemoryMarshal.CreateReadOnlySpanFromNullTerminated(name));

    /// <summary>The NUL-terminated name, or null when it cannot name anything (empty or with a NUL inside).</summary>
    private static byte[]? EncodeName(string name)
    {
        var bytes = PathEncoding.Encode(name);
        if (bytes.Length == 0 || bytes.AsSpan().Contains((byte)0))
        {
            return null;
        }

        var terminated = new byte[bytes.Length + 1];
        bytes.CopyTo(terminated, 0);
        return terminated;
    }
}
