using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Backup.Core.FileSystem;

namespace Backup.Linux.Btrfs;

public static partial class BtrfsFilesystem
{
    // The kernel fills at most 4 KiB of paths per call today; a larger buffer costs nothing and
    // stays right should that limit grow.
    private const int InodePathsBufferSize = 64 * 1024;

    /// <summary>
    /// Every inode of the subvolume holding the path whose inode item was written in a transaction after
    /// <paramref name="generation"/> (BTRFS_IOC_TREE_SEARCH_V2 over INODE_ITEM keys). Besides changed files
    /// this finds the directories in which entries were created, removed or renamed, since those rewrite
    /// the directory's inode. Removed inodes themselves are not reported.
    /// </summary>
    /// <remarks>
    /// Commits the running transaction first: btrfs keeps inode updates in memory (delayed inodes) until
    /// a commit, and the search sees only the tree. Changes made after that commit may be missed, so the
    /// change journal must already be recording when this is called.
    /// </remarks>
    /// <param name="subvolumePath">The root of the subvolume, or any path inside it.</param>
    /// <param name="generation">A generation read after <see cref="Sync"/> at the last cut.</param>
    public static unsafe IReadOnlyList<ChangedInode> ChangedSince(string subvolumePath, ulong generation)
    {
        var changed = new List<ChangedInode>();
        if (generation == ulong.MaxValue)
        {
            return changed;
        }

        var fd = Open(subvolumePath);
        try
        {
            Ioctl(fd, BtrfsIoctl.Sync, null, "ioctl BTRFS_IOC_SYNC", subvolumePath);
            TreeSearch.Run(
                fd,
                subvolumePath,
                0,
                new TreeSearch.Key(BtrfsIoctl.FirstFreeObjectId, BtrfsIoctl.InodeItemKey, 0),
                new TreeSearch.Key(BtrfsIoctl.LastFreeObjectId, BtrfsIoctl.InodeItemKey, ulong.MaxValue),
                generation + 1,
                (in header, item) =>
                {
                    // The search also returns older items that share a tree block with newer ones.
                    if (header.Type != BtrfsIoctl.InodeItemKey || item.Length < BtrfsIoctl.InodeItem.MinimumLength)
                    {
                        return;
                    }

                    var transid = BinaryPrimitives.ReadUInt64LittleEndian(item[BtrfsIoctl.InodeItem.Transid..]);
                    if (transid <= generation)
                    {
                        return;
                    }

                    var mode = BinaryPrimitives.ReadUInt32LittleEndian(item[BtrfsIoctl.InodeItem.Mode..]);
                    changed.Add(new ChangedInode(header.ObjectId, transid, (mode & Interop.S_IFMT) == Interop.S_IFDIR)
                    {
                        LinkCount = BinaryPrimitives.ReadUInt32LittleEndian(item[BtrfsIoctl.InodeItem.LinkCount..]),
                    });
                });
            return changed;
        }
        finally
        {
            Interop.Close(fd);
        }
    }

    /// <summary>
    /// Every path of an inode of the subvolume holding <paramref name="subvolumePath"/>, relative to that
    /// subvolume's root, without a leading slash; "" for the root directory itself. Empty when the inode
    /// no longer exists or has no name left.
    /// </summary>
    public static unsafe IReadOnlyList<string> InodePaths(string subvolumePath, ulong inode)
    {
        var fd = Open(subvolumePath);
        try
        {
            // INO_PATHS answers ".." for a subvolume's root directory.
            if (inode == BtrfsIoctl.FirstFreeObjectId)
            {
                return [""];
            }

            var container = new byte[InodePathsBufferSize];
            fixed (byte* c = container)
            {
                var arguments = new BtrfsIoctl.InoPathArgs { Inode = inode, Size = (ulong)container.Length, FsPath = (ulong)c };
                while (Interop.Ioctl(fd, BtrfsIoctl.InoPaths, &arguments) < 0)
                {
                    var errno = Marshal.GetLastPInvokeError();
                    if (errno == Interop.Errors.ENOENT)
                    {
                        return [];
                    }

                    if (errno != Interop.Errors.EINTR)
                    {
                        throw new BtrfsException("ioctl BTRFS_IOC_INO_PATHS", subvolumePath, errno, $"inode {inode}");
                    }
                }
            }

            var count = BinaryPrimitives.ReadUInt32LittleEndian(container.AsSpan(8));
            var missed = BinaryPrimitives.ReadUInt32LittleEndian(container.AsSpan(12));
            if (missed > 0)
            {
                // More names than fit in what the kernel copies out (many hard links or long paths).
                return PathsFromReferences(fd, subvolumePath, inode);
            }

            var values = container.AsSpan(BtrfsIoctl.DataContainerHeaderSize);
            var paths = new List<string>((int)count);
            for (var i = 0; i < count; i++)
            {
                var offset = checked((int)MemoryMarshal.Read<ulong>(values[(i * 8)..]));
                var name = values[offset..];
                var end = name.IndexOf((byte)0);
                paths.Add(PathEncoding.Decode(end < 0 ? name : name[..end]));
            }

            return paths;
        }
        finally
        {
            Interop.Close(fd);
        }
    }

    /// <summary>The paths of an inode from its INODE_REF and INODE_EXTREF items: each names a parent
    /// directory and an entry, and INO_LOOKUP gives the directory's path.</summary>
    private static List<string> PathsFromReferences(int fd, string path, ulong inode)
    {
        var links = new List<(ulong Directory, string Name)>();
        TreeSearch.Run(
            fd,
            path,
            0,
            new TreeSearch.Key(inode, BtrfsIoctl.InodeRefKey, 0),
            new TreeSearch.Key(inode, BtrfsIoctl.InodeExtrefKey, ulong.MaxValue),
            0,
            (in header, item) =>
            {
                // btrfs_inode_ref: index u64, name_len u16, name; the key offset is the directory.
                // btrfs_inode_extref: parent u64, index u64, name_len u16, name.
                while (header.Type == BtrfsIoctl.InodeRefKey && item.Length >= 10)
                {
                    var length = BinaryPrimitives.ReadUInt16LittleEndian(item[8..]);
                    links.Add((header.Offset, PathEncoding.Decode(item.Slice(10, length))));
                    item = item[(10 + length)..];
                }

                while (header.Type == BtrfsIoctl.InodeExtrefKey && item.Length >= 18)
                {
                    var directory = BinaryPrimitives.ReadUInt64LittleEndian(item);
                    var length = BinaryPrimitives.ReadUInt16LittleEndian(item[16..]);
                    links.Add((directory, PathEncoding.Decode(item.Slice(18, length))));
                    item = item[(18 + length)..];
                }
            });

        return links.Select(link => DirectoryPath(fd, path, 0, link.Directory) + link.Name).ToList();
    }
}
