using System.Diagnostics;
using Backup.Linux.Fanotify;
using Xunit;

namespace Backup.TestSupport;

/// <summary>Reading a group until an expected event arrives, with the whole stream in the failure message.</summary>
public static class EventStream
{
    /// <summary>Reads until an event satisfies <paramref name="last"/>; fails after the timeout.</summary>
    public static List<FanotifyEvent> ReadUntil(FanotifyGroup group, Func<FanotifyEvent, bool> last, int timeoutMs = 10_000)
    {
        var events = new List<FanotifyEvent>();
        var buffer = new byte[256 * 1024];
        var clock = Stopwatch.StartNew();
        while (clock.ElapsedMilliseconds < timeoutMs)
        {
            if (!group.WaitReadable(100))
            {
                continue;
            }

            var count = group.Read(buffer);
            var start = events.Count;
            FanotifyEventParser.Parse(buffer.AsSpan(0, count), events);
            if (events.Skip(start).Any(last))
            {
                return events;
            }
        }

        Assert.Fail($"the expected event did not arrive within {timeoutMs} ms; got:\n{Describe(events)}");
        return events;
    }

    /// <summary>Reads until the queue stays empty for <paramref name="quietMs"/>.</summary>
    public static List<FanotifyEvent> ReadAll(FanotifyGroup group, int quietMs = 300)
    {
        var events = new List<FanotifyEvent>();
        var buffer = new byte[256 * 1024];
        while (group.WaitReadable(quietMs))
        {
            var count = group.Read(buffer);
            FanotifyEventParser.Parse(buffer.AsSpan(0, count), events);
        }

        return events;
    }

    public static string Describe(IEnumerable<FanotifyEvent> events) => string.Join('\n', events);
}
