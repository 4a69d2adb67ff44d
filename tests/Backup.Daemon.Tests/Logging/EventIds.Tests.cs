using System.Reflection;
using Backup.Daemon.Logging;
using Serilog;
using Serilog.Core;
using Serilog.Events;

namespace Backup.Daemon.Tests.Logging;

public sealed class EventIdsTests
{
    private static readonly string[] Expected =
    [
        "DaemonStarted", "DaemonStopping", "JobStarted", "JobSucceeded", "JobPartial", "JobFailed",
        "JobCancelled", "JobSkipped", "JobOverdue", "ConfigInvalid", "DestinationUnavailable", "NotificationFailed",
    ];

    private static Dictionary<string, string> Ids() =>
        typeof(EventIds).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral && f.Name != nameof(EventIds.PropertyName))
            .ToDictionary(f => f.Name, f => (string)f.GetRawConstantValue()!);

    [Fact]
    public void Every_event_kind_has_an_id()
    {
        Assert.Equal(Expected.Order(), Ids().Keys.Order());
    }

    [Fact]
    public void Ids_are_distinct_sd_id128_strings_as_journald_expects_in_MESSAGE_ID()
    {
        var ids = Ids().Values.ToList();

        Assert.All(ids, id => Assert.Matches("^[0-9a-f]{32}$", id));
        Assert.Equal(ids.Count, ids.Distinct().Count());
    }

    [Fact]
    public void ForEvent_attaches_the_id_as_the_EventId_property()
    {
        var sink = new CollectingSink();
        var logger = new LoggerConfiguration().WriteTo.Sink(sink).CreateLogger();

        logger.ForEvent(EventIds.JobOverdue).Warning("Job {Job} is overdue", "weekly");

        var logged = Assert.Single(sink.Events);
        Assert.Equal(EventIds.JobOverdue, ((ScalarValue)logged.Properties[EventIds.PropertyName]).Value);
    }

    private sealed class CollectingSink : ILogEventSink
    {
        public List<LogEvent> Events { get; } = [];

        public void Emit(LogEvent logEvent) => Events.Add(logEvent);
    }
}
