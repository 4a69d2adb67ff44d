using Backup.Core.Buffers;
using System.Buffers;
using System.Collections.Concurrent;
using Backup.Core.Backends;
using Backup.Core.Compression;
using Backup.Core.Crypto;
using Backup.Core.Model;
using Backup.Core.Repository.Indexing;
using Backup.Core.Repository.Packs;

namespace Backup.Core.Repository;

/// <summary>
/// Turns blobs into stored packs: deduplicates against the index and the blobs in flight,
/// compresses and encrypts on the caller's thread (so callers run in parallel), appends to one pack
/// per blob type, uploads full packs, and writes index files along the way so that an interrupted
/// run leaves packs a later run can reuse. Order of durability: pack, then index, then snapshot.
/// </summary>
public sealed class BlobPacker : IAsyncDisposable
{
    public const int DefaultPackSize = 16 * 1024 * 1024;

    /// <summary>
    /// An index file is written once this many blobs are durable but unindexed. restic's uncompressed limit: writing
    /// one holds its JSON (about 130 bytes a blob) and its compressed and sealed copies at once, 20 MiB at this size.
    /// </summary>
    private const int IndexFlushBlobs = 50_000;

    private static readonly TimeSpan IndexFlushInterval = TimeSpan.FromMinutes(5);

    private readonly Repository _repository;
    private readonly int _packSize;
    private readonly ConcurrentDictionary<BlobKey, byte> _inFlight = new();
    private readonly Lock _packLock = new();
    private readonly OpenPack?[] _open = new OpenPack?[2];
    private readonly SemaphoreSlim _uploadSlots;
    private readonly List<Task> _uploads = new();
    private readonly Lock _indexLock = new();
    private readonly SemaphoreSlim _indexWrite = new(1, 1);
    private IndexFile _pendingIndex = new();
    private DateTime _lastIndexFlush = DateTime.UtcNow;

    public BlobPacker(Repository repository, int packSize = DefaultPackSize, int concurrentUploads = 2)
    {
        _repository = repository;
        _packSize = packSize;
        _uploadSlots = new SemaphoreSlim(concurrentUploads, concurrentUploads);
    }

    /// <summary>Index files written by this packer, in order.</summary>
    public List<Id> WrittenIndexes { get; } = new();

    public long DataBlobsAdded;
    public long TreeBlobsAdded;
    public long BytesAdded;
    public long BytesAddedPacked;

    /// <summary>True when the blob is already stored or being stored; then nothing needs to be done.</summary>
    public bool IsKnown(BlobType type, Id id) =>
        _repository.Index.Has(type, id) || _inFlight.ContainsKey(new BlobKey(type, id));

    /// <summary>Stores a blob unless it is known. Returns true when this call added it.</summary>
    public async ValueTask<bool> SaveAsync(BlobType type, Id id, ReadOnlyMemory<byte> plaintext, CancellationToken cancellationToken)
    {
        var key = new BlobKey(type, id);
        if (_repository.Index.Has(type, id) || !_inFlight.TryAdd(key, 0))
        {
            return false;
        }

        // One buffer: compress straight into the place the plaintext of the sealed object goes, then seal in place.
        var bound = _repository.CompressionEnabled ? Math.Max(ZstdCodec.MaxCompressedLength(plaintext.Length), plaintext.Length) : plaintext.Length;
        var buffer = BlobBuffers.Pool.Rent(bound + CryptoKey.Overhead);
        OpenPack? full = null;
        try
        {
            var payload = buffer.AsSpan(CryptoKey.Overhead / 2, bound);
            int payloadLength;
            uint uncompressedLength = 0;
            var compressedLength = _repository.CompressionEnabled ? ZstdCodec.Compress(plaintext.Span, payload) : int.MaxValue;

            // Store raw when compression does not help: v2 allows it and it spares the reader work.
            if (compressedLength < plaintext.Length)
            {
                payloadLength = compressedLength;
                uncompressedLength = (uint)plaintext.Length;
            }
            else
            {
                plaintext.Span.CopyTo(payload);
                payloadLength = plaintext.Length;
            }

            var sealedLength = _repository.Key.Seal(payload[..payloadLength], buffer);
            lock (_packLock)
            {
                var pack = OpenPackLocked(type);
                pack.Writer.Add(id, buffer.AsSpan(0, sealedLength), uncompressedLength);
                full = AddedLocked(type, pack, plaintext.Length, sealedLength);
            }
        }
        finally
        {
            BlobBuffers.Pool.Return(buffer);
        }

        if (full is not null)
        {
            await StartUploadAsync(full, cancellationToken).ConfigureAwait(false);
        }

        return true;
    }

    /// <summary>The open pack for <paramref name="type"/>, started when there is none. Under <see cref="_packLock"/>.</summary>
    private OpenPack OpenPackLocked(BlobType type) => _open[(int)type] ??= OpenPack.Create(_repository.Backend, type);

    /// <summary>
    /// Counts a blob just added to <paramref name="pack"/>; returns the pack when that filled it (it is then no longer
    /// the open one and is for the caller to upload), otherwise null. Under <see cref="_packLock"/>.
    /// </summary>
    private OpenPack? AddedLocked(BlobType type, OpenPack pack, int plainLength, int sealedLength)
    {
        Interlocked.Add(ref BytesAdded, plainLength);
        Interlocked.Add(ref BytesAddedPacked, sealedLength);
        if (type == BlobType.Data) DataBlobsAdded++; else TreeBlobsAdded++;
        if (pack.Writer.Size < _packSize)
        {
            return null;
        }

        _open[(int)type] = null;
        return pack;
    }

    /// <summary>
    /// Stores a blob held in segments unless it is known; returns true when this call added it. The data is compressed
    /// into new segments or, when that does not make it smaller, encrypted in place: <paramref name="plaintext"/> must
    /// not be read afterwards. No buffer of the blob's size is needed on the way.
    /// </summary>
    public async ValueTask<bool> SaveAsync(BlobType type, Id id, SegmentedBuffer plaintext, CancellationToken cancellationToken)
    {
        var key = new BlobKey(type, id);
        if (_repository.Index.Has(type, id) || !_inFlight.TryAdd(key, 0))
        {
            return false;
        }

        using var compressed = new SegmentedBuffer(BlobBuffers.Segments);
        var payload = plaintext;
        uint uncompressedLength = 0;

        // Store raw when compression does not help: v2 allows it and it spares the reader work.
        if (_repository.CompressionEnabled && ZstdCodec.Compress(plaintext, compressed, limit: plaintext.Length - 1) >= 0)
        {
            payload = compressed;
            uncompressedLength = (uint)plaintext.Length;
        }

        Span<byte> iv = stackalloc byte[CryptoKey.Overhead / 2];
        Span<byte> mac = stackalloc byte[CryptoKey.Overhead / 2];
        _repository.Key.SealInPlace(payload, iv, mac);
        var sealedLength = payload.Length + CryptoKey.Overhead;
        OpenPack? full = null;
        lock (_packLock)
        {
            var pack = OpenPackLocked(type);
            pack.Writer.Add(id, iv, payload, mac, uncompressedLength);
            full = AddedLocked(type, pack, plaintext.Length, sealedLength);
        }

        if (full is not null)
        {
            await StartUploadAsync(full, cancellationToken).ConfigureAwait(false);
        }

        return true;
    }

    /// <summary>Finishes the open packs, waits for all uploads and writes the final index file.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        var finished = new List<OpenPack>();
        lock (_packLock)
        {
            for (var i = 0; i < _open.Length; i++)
            {
                if (_open[i] is { } pack)
                {
                    finished.Add(pack);
                    _open[i] = null;
                }
            }
        }

        foreach (var pack in finished)
        {
            await StartUploadAsync(pack, cancellationToken).ConfigureAwait(false);
        }

        Task[] uploads;
        lock (_uploads)
        {
            uploads = _uploads.ToArray();
        }

        await Task.WhenAll(uploads).ConfigureAwait(false);
        await WriteIndexAsync(force: true, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// After an interrupted run: stores the open packs and indexes every pack that reached the backend,
    /// so the next run finds those blobs and does not read or upload them again. Failures here are
    /// swallowed; the interruption is what gets reported.
    /// </summary>
    public async Task SalvageAsync()
    {
        try
        {
            var finished = new List<OpenPack>();
            lock (_packLock)
            {
                for (var i = 0; i < _open.Length; i++)
                {
                    if (_open[i] is { } pack)
                    {
                        finished.Add(pack);
                        _open[i] = null;
                    }
                }
            }

            foreach (var pack in finished)
            {
                await StartUploadAsync(pack, CancellationToken.None).ConfigureAwait(false);
            }

            Task[] uploads;
            lock (_uploads)
            {
                uploads = _uploads.ToArray();
            }

            foreach (var upload in uploads)
            {
                try
                {
                    await upload.ConfigureAwait(false);
                }
                catch (Exception)
                {
                    // A pack whose upload was cut short is not indexed; its temp file was removed.
                }
            }

            await WriteIndexAsync(force: true, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Best effort: the repository stays consistent either way (packs without index are only unused).
        }
    }

    public async ValueTask DisposeAsync()
    {
        Task[] uploads;
        lock (_uploads)
        {
            uploads = _uploads.ToArray();
        }

        try
        {
            await Task.WhenAll(uploads).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // The run has already failed; its error is reported by the caller.
        }

        OpenPack?[] open;
        lock (_packLock)
        {
            open = _open.ToArray();
            Array.Clear(_open);
        }

        foreach (var pack in open)
        {
            if (pack is not null)
            {
                await pack.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private async Task StartUploadAsync(OpenPack pack, CancellationToken cancellationToken)
    {
        // Bounded: at most N packs wait in memory, which bounds the backup's memory too.
        try
        {
            await _uploadSlots.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // Cancelled while waiting: nobody else holds this pack any more, so its staged file goes now.
            await pack.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        // Not started with the token: a task cancelled before it runs would never dispose the pack or free the slot.
        var upload = Task.Run(() => UploadAsync(pack, cancellationToken), CancellationToken.None);
        lock (_uploads)
        {
            _uploads.RemoveAll(t => t.IsCompletedSuccessfully);
            _uploads.Add(upload);
        }

        if (upload.IsFaulted)
        {
            await upload.ConfigureAwait(false);
        }
    }

    private async Task UploadAsync(OpenPack pack, CancellationToken cancellationToken)
    {
        Id packId;
        PackedBlob[] blobs;
        try
        {
            (packId, blobs, _) = pack.Writer.Finish(_repository.Key);
            await pack.File.CommitAsync(packId.ToString(), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await pack.DisposeAsync().ConfigureAwait(false);
            _uploadSlots.Release();
        }

        var indexed = new IndexedPack(packId, blobs.ToList());
        _repository.Index.Add(indexed);
        foreach (var blob in blobs)
        {
            _inFlight.TryRemove(new BlobKey(blob.Type, blob.Id), out _);
        }

        lock (_indexLock)
        {
            _pendingIndex.Packs.Add(indexed);
        }

        await WriteIndexAsync(force: false, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A pack being filled: its writer and the staged file under it.</summary>
    private sealed class OpenPack : IAsyncDisposable
    {
        private OpenPack(IStagedFile file, PackWriter writer)
        {
            File = file;
            Writer = writer;
        }

        public IStagedFile File { get; }

        public PackWriter Writer { get; }

        public static OpenPack Create(IBackend backend, BlobType type)
        {
            var file = backend.StagePack();
            return new OpenPack(file, new PackWriter(type, file.Stream));
        }

        public async ValueTask DisposeAsync()
        {
            Writer.Dispose();
            await File.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task WriteIndexAsync(bool force, CancellationToken cancellationToken)
    {
        IndexFile toWrite;
        lock (_indexLock)
        {
            var due = force || _pendingIndex.BlobCount >= IndexFlushBlobs || DateTime.UtcNow - _lastIndexFlush > IndexFlushInterval;
            if (!due || _pendingIndex.Packs.Count == 0)
            {
                return;
            }

            toWrite = _pendingIndex;
            _pendingIndex = new IndexFile();
            _lastIndexFlush = DateTime.UtcNow;
        }

        await _indexWrite.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var id = await _repository.SaveUnpackedAsync(FileType.Index, toWrite.ToJson(), cancellationToken).ConfigureAwait(false);
            lock (WrittenIndexes)
            {
                WrittenIndexes.Add(id);
            }
        }
        finally
        {
            _indexWrite.Release();
        }
    }
}
