using System.Diagnostics;
using System.Globalization;

namespace Backup.Core.Archiving;

/// <summary>Where a run's time went, phase by phase: for the debug log, and for finding what to make faster.</summary>
public sealed class PhaseTimer
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly List<(string Phase, TimeSpan Took)> _phases = new();
    private TimeSpan _last;

    public IReadOnlyList<(string Phase, TimeSpan Took)> Phases => _phases;

    /// <summary>Ends the phase that began at the previous mark (or at construction) and names it.</summary>
    public void Mark(string phase)
    {
        var now = _clock.Elapsed;
        _phases.Add((phase, now - _last));
        _last = now;
    }

    /// <summary>"open 12 ms, lock 3 ms, …".</summary>
    public override string ToString() =>
        string.Join(", ", _phases.Select(p => p.Phase + " " + p.Took.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture) + " ms"));
}
