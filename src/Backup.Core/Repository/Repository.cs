using Backup.Core.Backends;
using Backup.Core.Compression;
using Backup.Core.Crypto;
using Backup.Core.Model;
using Backup.Core.Repository.Indexing;

namespace Backup.Core.Repository;

/// <summary>
/// An open restic-format repository: the master key, the config and the index over a backend.
/// Reading and writing files of every kind goes through here so that encryption, compression and
/// the hash-equals-name rule are applied in one place.
/// </summary>
public sealed class Repository
{
    private const byte CompressedJsonVersion = 2;

    /// <summary>The index files whose contents are in <see cref="Index"/>.</summary>
    private readonly HashSet<Id> _indexFiles = new();

    private Repository(IBackend backend, CryptoKey key, RepositoryConfig config, Id keyId)
    {
        Backend = backend;
        Key = key;
        Config = config;
        KeyId = keyId;
    }

    public IBackend Backend { get; }

    public CryptoKey Key { get; }

    public RepositoryConfig Config { get; }

    /// <summary>The key file that opened the repository.</summary>
    public Id KeyId { get; }

    /// <summary>Every blob of the index files loaded so far, and of the packs this process has written since.</summary>
    public MasterIndex Index { get; private set; } = new();

    public bool CompressionEnabled => Config.Version >= 2;

    public string Location => Backend.Location;

    public static async Task<Repository> InitAsync(IBackend backend, ReadOnlyMemory<byte> password, ScryptParameters? kdf, CancellationToken cancellationToken)
    {
        await backend.CreateLayoutAsync(cancellationToken).ConfigureAwait(false);
        var master = CryptoKey.NewRandom();
        var keyFile = KeyFile.Create(master, password.Span, Environment.UserName, Environment.MachineName, DateTimeOffset.Now, kdf);
        var keyJson = keyFile.ToJson();
        var keyId = Id.Hash(keyJson);
        await backend.SaveAsync(FileType.Key, keyId.ToString(), keyJson, cancellationToken).ConfigureAwait(false);

        var config = RepositoryConfig.CreateNew();
        await backend.SaveAsync(FileType.Config, "config", master.Seal(config.ToJson()), cancellationToken).ConfigureAwait(false);
        return new Repository(backend, master, config, keyId);
    }

    public static async Task<Repository> OpenAsync(IBackend backend, ReadOnlyMemory<byte> password, CancellationToken cancellationToken) =>
        await OpenAsync(backend, password, await backend.LoadAsync(FileType.Config, "config", 0, 0, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);

    /// <summary>Opens the repository whose config file, as read by the caller, is <paramref name="sealedConfig"/>.</summary>
    public static async Task<Repository> OpenAsync(IBackend backend, ReadOnlyMemory<byte> password, byte[] sealedConfig, CancellationToken cancellationToken)
    {
        var tried = 0;
        await foreach (var entry in backend.ListAsync(FileType.Key, cancellationToken).ConfigureAwait(false))
        {
            var bytes = await backend.LoadAsync(FileType.Key, entry.Name, 0, 0, cancellationToken).ConfigureAwait(false);
            KeyFile keyFile;
            try
            {
                keyFile = KeyFile.Parse(bytes);
            }
            catch (FormatException)
            {
                // A damaged or foreign key file must not stop us from trying the others.
                continue;
            }

            tried++;
            if (!keyFile.TryOpen(password.Span, out var master) || master is null)
            {
                continue;
            }

            byte[] configJson;
            try
            {
                configJson = master.Open(sealedConfig);
            }
            catch (CryptoAuthenticationException e)
            {
                throw new RepositoryFormatException($"{backend.Location}: the config file fails its authentication check with the master key: the file is damaged", e);
            }

            var config = RepositoryConfig.Parse(configJson, backend.Location);
            Id.TryParse(entry.Name, out var keyId);
            return new Repository(backend, master, config, keyId);
        }

        throw tried == 0
            ? new RepositoryFormatException($"{backend.Location}: the repository has no usable key file in keys/")
            : new WrongPasswordException($"{backend.Location}: wrong password: none of the {tried} key file(s) opens with it");
    }

    /// <summary>
    /// Brings <see cref="Index"/> up to date with the repository's index files. The first call loads them all; a later
    /// call on the same open repository loads only the files added since, unless one it had loaded is gone (a prune
    /// or an index rebuild replaced it): then the whole index is loaded again, as blobs may have moved or gone.
    /// </summary>
    public async Task LoadIndexAsync(CancellationToken cancellationToken)
    {
        var present = new List<Id>();
        await foreach (var id in ListIdsAsync(FileType.Index, cancellationToken).ConfigureAwait(false))
        {
            present.Add(id);
        }

        lock (_indexFiles)
        {
            if (_indexFiles.Count > 0 && !_indexFiles.IsSubsetOf(present))
            {
                Index = new MasterIndex();
                _indexFiles.Clear();
            }

            present.RemoveAll(_indexFiles.Contains);
        }

        foreach (var id in present)
        {
            var json = await LoadUnpackedAsync(FileType.Index, id, cancellationToken).ConfigureAwait(false);
            IndexFile.ParseInto(json, id.ToString(), Index);
            lock (_indexFiles)
            {
                _indexFiles.Add(id);
            }
        }
    }

    public async IAsyncEnumerable<(Id Id, IndexFile File)> LoadIndexFilesAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var id in ListIdsAsync(FileType.Index, cancellationToken).ConfigureAwait(false))
        {
            var json = await LoadUnpackedAsync(FileType.Index, id, cancellationToken).ConfigureAwait(false);
            yield return (id, IndexFile.Parse(json, id.ToString()));
        }
    }

    public async IAsyncEnumerable<Id> ListIdsAsync(FileType type, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var entry in Backend.ListAsync(type, cancellationToken).ConfigureAwait(false))
        {
            if (Id.TryParse(entry.Name, out var id))
            {
                yield return id;
            }
        }
    }

    /// <summary>Loads a snapshot, index or lock file: checks its name, authenticates, decrypts, decompresses.</summary>
    public async Task<byte[]> LoadUnpackedAsync(FileType type, Id id, CancellationToken cancellationToken)
    {
        var data = await Backend.LoadAsync(type, id.ToString(), 0, 0, cancellationToken).ConfigureAwait(false);
        return DecodeUnpacked(type, id, data);
    }

    public byte[] DecodeUnpacked(FileType type, Id id, byte[] data)
    {
        var what = $"{type.ToString().ToLowerInvariant()} file {id}";
        if (Id.Hash(data) != id)
        {
            throw new RepositoryFormatException($"{Location}: {what} is damaged: its content does not match its name (SHA-256 {Id.Hash(data).ToShortString()})");
        }

        Span<byte> plain;
        try
        {
            plain = OpenInPlace(data);
        }
        catch (CryptoAuthenticationException e)
        {
            throw new RepositoryFormatException($"{Location}: {what} fails its authentication check: the file is damaged or was written with another key", e);
        }

        if (Config.Version < 2 || plain.Length == 0 || plain[0] is (byte)'{' or (byte)'[')
        {
            return plain.ToArray();
        }

        if (plain[0] != CompressedJsonVersion)
        {
            throw new RepositoryFormatException($"{Location}: {what} has unsupported encoding version {plain[0]}");
        }

        try
        {
            return ZstdCodec.Decompress(plain[1..]);
        }
        catch (InvalidDataException e)
        {
            throw new RepositoryFormatException($"{Location}: {what} cannot be decompressed: {e.Message}", e);
        }
    }

    /// <summary>Authenticates and decrypts a sealed object where it is: the plaintext replaces the ciphertext between IV and MAC.</summary>
    private Span<byte> OpenInPlace(Span<byte> sealedData)
    {
        if (sealedData.Length < CryptoKey.Overhead)
        {
            throw new CryptoAuthenticationException($"ciphertext verification failed: {sealedData.Length} bytes is shorter than the {CryptoKey.Overhead}-byte IV and MAC");
        }

        var plain = sealedData[CryptoKey.IvSize..^CryptoKey.MacSize];
        Key.Open(sealedData, plain);
        return plain;
    }

    /// <summary>Encrypts (and in v2 compresses) a snapshot, index or lock file and stores it under its hash.</summary>
    public async Task<Id> SaveUnpackedAsync(FileType type, byte[] json, CancellationToken cancellationToken)
    {
        byte[] plain;
        if (CompressionEnabled)
        {
            var compressed = ZstdCodec.Compress(json);
            plain = new byte[compressed.Length + 1];
            plain[0] = CompressedJsonVersion;
            compressed.CopyTo(plain, 1);
        }
        else
        {
            plain = json;
        }

        var sealedData = Key.Seal(plain);
        var id = Id.Hash(sealedData);
        await Backend.SaveAsync(type, id.ToString(), sealedData, cancellationToken).ConfigureAwait(false);
        if (type == FileType.Index)
        {
            // Its packs were added to Index as they were uploaded; a later LoadIndexAsync must not add them twice.
            lock (_indexFiles)
            {
                _indexFiles.Add(id);
            }
        }

        return id;
    }

    /// <summary>Loads a blob's plaintext, trying each pack that holds it, and verifies it against its ID.</summary>
    public async Task<byte[]> LoadBlobAsync(BlobType type, Id id, CancellationToken cancellationToken)
    {
        if (!Index.TryLookup(type, id, out var locations))
        {
            throw new RepositoryFormatException($"{Location}: {type.ToString().ToLowerInvariant()} blob {id} is not in the index");
        }

        Exception? last = null;
        foreach (var location in locations)
        {
            try
            {
                var raw = await Backend.LoadAsync(FileType.Pack, location.Pack.ToString(), location.Blob.Offset, (int)location.Blob.Length, cancellationToken).ConfigureAwait(false);
                return DecodeBlob(location, raw);
            }
            catch (Exception e) when (e is RepositoryFormatException or IOException)
            {
                last = e;
            }
        }

        throw last!;
    }

    /// <summary>Authenticates, decrypts and decompresses one blob read from a pack, and checks its ID.</summary>
    public byte[] DecodeBlob(BlobLocation location, ReadOnlySpan<byte> raw)
    {
        var blob = location.Blob;
        var what = $"{blob.Type.ToString().ToLowerInvariant()} blob {blob.Id} in pack {location.Pack}";
        if (raw.Length != blob.Length)
        {
            throw new RepositoryFormatException($"{Location}: {what}: read {raw.Length} bytes, the index says {blob.Length}");
        }

        byte[] plain;
        try
        {
            plain = Key.Open(raw);
        }
        catch (CryptoAuthenticationException e)
        {
            throw new RepositoryFormatException($"{Location}: {what} fails its authentication check: the pack is damaged", e);
        }

        if (blob.IsCompressed)
        {
            var data = new byte[blob.UncompressedLength];
            try
            {
                var n = ZstdCodec.Decompress(plain, data);
                if (n != data.Length)
                {
                    throw new InvalidDataException($"decompressed to {n} bytes, expected {data.Length}");
                }
            }
            catch (InvalidDataException e)
            {
                throw new RepositoryFormatException($"{Location}: {what} cannot be decompressed: {e.Message}", e);
            }

            plain = data;
        }

        if (Id.Hash(plain) != blob.Id)
        {
            throw new RepositoryFormatException($"{Location}: {what} is damaged: its content hashes to {Id.Hash(plain).ToShortString()}");
        }

        return plain;
    }

    public async Task<Tree> LoadTreeAsync(Id id, CancellationToken cancellationToken)
    {
        var bytes = await LoadBlobAsync(BlobType.Tree, id, cancellationToken).ConfigureAwait(false);
        try
        {
            return Tree.Parse(bytes);
        }
        catch (FormatException e)
        {
            throw new RepositoryFormatException($"{Location}: tree {id} cannot be decoded: {e.Message}", e);
        }
    }

    /// <summary>Adds a key file that wraps the same master key with another password.</summary>
    public async Task<Id> AddKeyAsync(ReadOnlyMemory<byte> password, string username, string hostname, ScryptParameters? kdf, CancellationToken cancellationToken)
    {
        var keyFile = KeyFile.Create(Key, password.Span, username, hostname, DateTimeOffset.Now, kdf);
        var json = keyFile.ToJson();
        var id = Id.Hash(json);
        await Backend.SaveAsync(FileType.Key, id.ToString(), json, cancellationToken).ConfigureAwait(false);
        return id;
    }
}
