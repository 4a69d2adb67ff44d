namespace Backup.IntegrationTests.Systemd;

/// <summary>
/// Tests that boot a container run one after another: each boots its own system, and two of them
/// at once on a small machine only make both slower.
/// </summary>
[CollectionDefinition(Name)]
public sealed class SystemdContainerCollection
{
    public const string Name = "systemd container";
}

/// <summary>A fact that boots a container: root, systemd-nspawn (systemd-container) and debootstrap; gcc links the native backupctl.</summary>
public sealed class ContainerFactAttribute : FactAttribute
{
    public ContainerFactAttribute()
    {
        Skip = Tools.SkipReason(["systemd-nspawn", "debootstrap", "nsenter", "pgrep", "setsid", "tar", "gcc"], root: true);
    }
}
