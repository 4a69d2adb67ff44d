using System.Diagnostics;

namespace Backup.Daemon.Tests.Scheduling;

/// <summary>
/// Waits (in real time, briefly) for work the code under test hands to the thread pool. Fake time never moves
/// by itself, so this only absorbs thread scheduling; it never decides an outcome.
/// </summary>
internal static class Wait
{
    public static void Until(Func<bool> condition, string what)
    {
        var watch = Stopwatch.StartNew();
        while (!condition())
        {
            if (watch.Elapsed > TimeSpan.FromSeconds(10))
            {
                throw new TimeoutException($"timed out waiting until {what}");
            }

            Thread.Sleep(1);
        }
    }
}
