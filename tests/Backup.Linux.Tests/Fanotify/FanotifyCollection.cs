namespace Backup.Linux.Tests.Fanotify;

/// <summary>
/// Tests that mount filesystems, watch the mount table or change fs.fanotify sysctls run one at a time and
/// never next to other test collections: each of them would disturb the others.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class FanotifyCollection
{
    public const string Name = "fanotify on the real kernel";
}
