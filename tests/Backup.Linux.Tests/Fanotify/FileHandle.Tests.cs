using Backup.Linux.Fanotify;

namespace Backup.Linux.Tests.Fanotify;

public sealed class FileHandleTests
{
    [Fact]
    public void SerializationRoundTripsTypeAndBytes()
    {
        var handle = new FileHandle(0x81, [1, 2, 3, 250, 0, 7]);

        var stored = handle.ToArray();
        var restored = FileHandle.FromArray(stored);

        Assert.Equal([0x81, 0, 0, 0, 1, 2, 3, 250, 0, 7], stored);
        Assert.Equal(handle, restored);
        Assert.Equal(handle.GetHashCode(), restored.GetHashCode());
    }

    [Fact]
    public void EqualityCoversTypeAndEveryByte()
    {
        var handle = new FileHandle(1, [1, 2, 3, 4]);

        Assert.NotEqual(handle, new FileHandle(2, [1, 2, 3, 4]));
        Assert.NotEqual(handle, new FileHandle(1, [1, 2, 3, 5]));
        Assert.NotEqual(handle, new FileHandle(1, [1, 2, 3]));
        Assert.Equal(handle, new FileHandle(1, [1, 2, 3, 4]));
    }

    [Fact]
    public void StoredValueTooShortForTheTypeIsRejected()
    {
        Assert.Throws<ArgumentException>(() => FileHandle.FromArray([1, 0, 0]));
    }

    [Fact]
    public void HandleOfAPathIsStableAcrossARename()
    {
        using var temp = new Backup.TestSupport.TemporaryDirectory();
        Directory.CreateDirectory(temp["a"]);

        var before = FileHandle.Of(temp["a"]);
        Directory.Move(temp["a"], temp["b"]);

        Assert.Equal(before, FileHandle.Of(temp["b"]));
        Assert.NotEqual(before, FileHandle.Of(temp.Path));
    }
}
