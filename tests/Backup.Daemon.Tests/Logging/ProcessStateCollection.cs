namespace Backup.Daemon.Tests.Logging;

/// <summary>
/// Tests that change process-wide state (environment variables, Console.Error, the journal socket)
/// must not run beside any other test of this assembly.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessStateCollection
{
    public const string Name = "process state";
}
