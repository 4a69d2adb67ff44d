namespace Backup.Core.Archiving;

/// <summary>
/// The dirty directories of a scan plan as a trie of path components, walked beside the parent snapshot's
/// trees. A directory with no node at or below it is taken from the parent snapshot as it is. Names compare
/// ordinally, so any bytes a path holds (in PathEncoding form) match exactly what readdir returns.
/// Several directory walks read it at once; it is only changed (<see cref="Add"/>) between the archiver's passes.
/// </summary>
internal sealed class DirtyTree
{
    /// <summary>Stands for "walk everything below": every child of it is itself.</summary>
    public static readonly DirtyTree All = new();

    private SortedDictionary<string, DirtyTree>? _children;

    public DirtyFlags Flags { get; private set; }

    /// <summary>The directory's entries must be listed and stat'ed, not copied from the parent snapshot.</summary>
    public bool MustList => ReferenceEquals(this, All) || (Flags & (DirtyFlags.Children | DirtyFlags.Recursive)) != 0;

    public bool IsRecursive => ReferenceEquals(this, All) || (Flags & DirtyFlags.Recursive) != 0;

    public bool HasChildren => _children is { Count: > 0 };

    public IEnumerable<KeyValuePair<string, DirtyTree>> Children =>
        _children ?? Enumerable.Empty<KeyValuePair<string, DirtyTree>>();

    public static DirtyTree Build(IEnumerable<DirtyDirectory> directories)
    {
        var root = new DirtyTree();
        foreach (var directory in directories)
        {
            root.Add(directory.Path, directory.Flags);
        }

        return root;
    }

    /// <summary>The node of an entry; below a recursive directory everything is <see cref="All"/>.</summary>
    public DirtyTree? Child(string name) =>
        IsRecursive ? All : _children?.GetValueOrDefault(name);

    /// <summary>The node of an absolute path, or null when nothing at or below it is dirty.</summary>
    public DirtyTree? Find(string absolutePath)
    {
        if (Components(absolutePath) is not { } components)
        {
            return null;
        }

        var node = this;
        foreach (var component in components)
        {
            node = node.Child(component);
            if (node is null)
            {
                return null;
            }
        }

        return node;
    }

    /// <summary>Marks a directory; returns false when it already had all these flags (or the path is not absolute).</summary>
    public bool Add(string absolutePath, DirtyFlags flags)
    {
        if (ReferenceEquals(this, All) || Components(absolutePath) is not { } components)
        {
            return false;
        }

        var node = this;
        var added = false;
        foreach (var component in components)
        {
            node._children ??= new SortedDictionary<string, DirtyTree>(StringComparer.Ordinal);
            if (!node._children.TryGetValue(component, out var child))
            {
                child = new DirtyTree();
                node._children.Add(component, child);
                added = true;
            }

            node = child;
        }

        added |= (node.Flags | flags) != node.Flags;
        node.Flags |= flags;
        return added;
    }

    /// <summary>The components of an absolute path with "." and ".." resolved lexically; null for a relative path.</summary>
    private static List<string>? Components(string path)
    {
        if (!path.StartsWith('/'))
        {
            return null;
        }

        var components = new List<string>();
        foreach (var component in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            switch (component)
            {
                case ".":
                    break;
                case "..":
                    if (components.Count > 0)
                    {
                        components.RemoveAt(components.Count - 1);
                    }

                    break;
                default:
                    components.Add(component);
                    break;
            }
        }

        return components;
    }
}
