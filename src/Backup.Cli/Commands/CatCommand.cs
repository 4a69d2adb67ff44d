using System.CommandLine;
using System.Text;
using Backup.Core.Backends;
using Backup.Core.Model;
using Backup.Core.Repository;
using Backup.Core.Repository.Packs;

namespace Backup.Cli.Commands;

public static class CatCommand
{
    private static readonly string[] Kinds = ["config", "masterkey", "key", "index", "snapshot", "lock", "blob", "pack"];

    public static Command Create()
    {
        var kind = new Argument<string>("TYPE") { Description = "config | masterkey | key ID | index ID | snapshot ID | lock ID | blob ID | pack ID (the decrypted pack header, as JSON)" };
        kind.AcceptOnlyFromAmong(Kinds);
        var id = new Argument<string?>("ID") { Arity = ArgumentArity.ZeroOrOne, Description = "Object ID (snapshots also accept a unique prefix or \"latest\")" };
        var command = new Command("cat", "Print an object of the repository, decrypted: for debugging and for other tools.") { kind, id };
        command.SetAction(async (parse, ct) =>
        {
            var repository = await RepositoryAccess.OpenAsync(parse, ct).ConfigureAwait(false);
            var what = parse.GetValue(kind)!;
            var idText = parse.GetValue(id);
            byte[] output = what switch
            {
                "config" => repository.Config.ToJson(),
                "masterkey" => repository.Key.ToMasterKeyJson(),
                _ => await CatObjectAsync(repository, what, idText ?? throw new UsageException($"cat {what} needs an ID"), ct).ConfigureAwait(false),
            };
            using var stdout = Console.OpenStandardOutput();
            stdout.Write(output);
            if (what is "config" or "masterkey" or "pack" or "key")
            {
                stdout.Write("\n"u8);
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static async Task<byte[]> CatObjectAsync(Repository repository, string what, string idText, CancellationToken ct)
    {
        switch (what)
        {
            case "snapshot":
                var (snapshotId, _) = await SnapshotStore.FindAsync(repository, idText, null, null, ct).ConfigureAwait(false);
                return await repository.LoadUnpackedAsync(FileType.Snapshot, snapshotId, ct).ConfigureAwait(false);
            case "index":
                return await repository.LoadUnpackedAsync(FileType.Index, ParseId(idText), ct).ConfigureAwait(false);
            case "lock":
                return await repository.LoadUnpackedAsync(FileType.Lock, ParseId(idText), ct).ConfigureAwait(false);
            case "key":
                return await repository.Backend.LoadAsync(FileType.Key, ParseId(idText).ToString(), 0, 0, ct).ConfigureAwait(false);
            case "blob":
                await repository.LoadIndexAsync(ct).ConfigureAwait(false);
                var blobId = ParseId(idText);
                foreach (var type in new[] { BlobType.Tree, BlobType.Data })
                {
                    if (repository.Index.Has(type, blobId))
                    {
                        return await repository.LoadBlobAsync(type, blobId, ct).ConfigureAwait(false);
                    }
                }

                throw new RepositoryFormatException($"blob {blobId} is not in the index of {repository.Location}");
            case "pack":
                return await PackHeaderJsonAsync(repository, ParseId(idText), ct).ConfigureAwait(false);
            default:
                throw new UsageException($"cannot cat \"{what}\"");
        }
    }

    private static async Task<byte[]> PackHeaderJsonAsync(Repository repository, Id packId, CancellationToken ct)
    {
        var name = packId.ToString();
        var size = await repository.Backend.StatAsync(FileType.Pack, name, ct).ConfigureAwait(false)
            ?? throw new FileNotFoundException($"pack {name} does not exist in {repository.Location}");
        var trailer = await repository.Backend.LoadAsync(FileType.Pack, name, size - PackFormat.TrailerSize, PackFormat.TrailerSize, ct).ConfigureAwait(false);
        var headerLength = PackFormat.HeaderLength(trailer, size, name);
        var sealedHeader = await repository.Backend.LoadAsync(FileType.Pack, name, size - PackFormat.TrailerSize - headerLength, headerLength, ct).ConfigureAwait(false);
        var blobs = PackFormat.DecodeHeader(repository.Key.Open(sealedHeader), name);
        var sb = new StringBuilder("[");
        sb.AppendJoin(',', blobs.Select(b =>
            $"{{\"type\":\"{(b.Type == BlobType.Tree ? "tree" : "data")}\",\"id\":\"{b.Id}\",\"offset\":{b.Offset},\"length\":{b.Length}{(b.IsCompressed ? $",\"uncompressed_length\":{b.UncompressedLength}" : "")}}}"));
        sb.Append(']');
        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    private static Id ParseId(string text) =>
        Id.TryParse(text.ToLowerInvariant(), out var id) ? id : throw new UsageException($"\"{text}\" is not an ID: expected 64 hex characters");
}
