using Backup.Core.FileSystem;

namespace Backup.Core.Archiving;

/// <summary>
/// Counts the files and bytes a backup will visit, with the same excludes, so progress can show a
/// percentage and an ETA. Runs beside the archiver and only costs metadata reads.
/// </summary>
public sealed class Scanner(IFileSystem fileSystem, ArchiverOptions options)
{
    private long _files;
    private long _bytes;

    public long Files => Interlocked.Read(ref _files);

    public long Bytes => Interlocked.Read(ref _bytes);

    public bool Finished { get; private set; }

    public Task RunAsync(CancellationToken cancellationToken) => Task.Run(
        () =>
        {
            foreach (var path in Archiver.AbsolutePaths(options.Paths))
            {
                Visit(path, cancellationToken);
            }

            Finished = true;
        },
        cancellationToken);

    private void Visit(string path, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        FileStatus status;
        try
        {
            status = fileSystem.LStat(path);
        }
        catch (FileSystemException)
        {
            return;
        }

        if (status.Kind == FileKind.Regular)
        {
            Interlocked.Increment(ref _files);
            Interlocked.Add(ref _bytes, status.Size);
            return;
        }

        if (status.Kind != FileKind.Directory)
        {
            return;
        }

        IReadOnlyList<string> names;
        try
        {
            names = fileSystem.ReadDirectory(path);
        }
        catch (FileSystemException)
        {
            return;
        }

        foreach (var name in names)
        {
            var child = path == "/" ? "/" + name : path + "/" + name;
            if (!options.Excludes.IsExcluded(child))
            {
                Visit(child, cancellationToken);
            }
        }
    }
}
