namespace Backup.Benchmarks;

internal static class FileWriting
{
    /// <summary>Writes a whole small file with one system call and sets its modification time.</summary>
    public static void Write(string path, ReadOnlySpan<byte> contents, FileMode mode, DateTime mtimeUtc)
    {
        using var handle = File.OpenHandle(path, mode, FileAccess.Write, FileShare.None);
        if (!contents.IsEmpty)
        {
            RandomAccess.Write(handle, contents, 0);
        }

        File.SetLastWriteTimeUtc(handle, mtimeUtc);
    }

    /// <summary>Fills a small file's buffer: the generator's first draw is the size, the rest is the contents.</summary>
    public static Span<byte> SmallContents(Span<byte> buffer, bool text, ref Rng rng)
    {
        var size = rng.Below(Dataset.MaxSmallFileSize + 1);
        var contents = buffer[..size];
        if (text)
        {
            TextContent.Fill(contents, ref rng);
        }
        else
        {
            rng.Fill(contents);
        }

        return contents;
    }
}
