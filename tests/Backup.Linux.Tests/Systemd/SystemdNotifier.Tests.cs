using Backup.Linux.Systemd;

namespace Backup.Linux.Tests.Systemd;

[Collection(ProcessStateCollection.Name)]
public sealed class SystemdNotifierTests
{
    private readonly SystemdNotifier notifier = new();

    [Fact]
    public void Each_state_is_sent_as_exactly_one_assignment()
    {
        using var manager = new NotifySocket();

        Assert.True(notifier.Ready());
        Assert.Equal("READY=1", manager.Receive());

        Assert.True(notifier.Status("backing up job nightly: 42%"));
        Assert.Equal("STATUS=backing up job nightly: 42%", manager.Receive());

        Assert.True(notifier.Watchdog());
        Assert.Equal("WATCHDOG=1", manager.Receive());

        Assert.True(notifier.Stopping());
        Assert.Equal("STOPPING=1", manager.Receive());

        Assert.False(manager.HasPending);
    }

    [Fact]
    public void Status_text_keeps_non_ascii_characters()
    {
        using var manager = new NotifySocket();

        Assert.True(notifier.Status("Sicherung läuft – /home/jürgen"));

        Assert.Equal("STATUS=Sicherung läuft – /home/jürgen", manager.Receive());
    }

    [Theory]
    [InlineData("done\nREADY=1")]
    [InlineData("done\r\nREADY=1")]
    [InlineData("done\nSTOPPING=1\nMAINPID=1")]
    public void A_line_break_in_the_status_cannot_inject_another_assignment(string text)
    {
        using var manager = new NotifySocket();

        Assert.True(notifier.Status(text));

        var payload = manager.Receive();
        Assert.StartsWith("STATUS=done ", payload, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', payload);
        Assert.DoesNotContain('\r', payload);
        Assert.Single(payload.Split('\n'));
    }

    [Fact]
    public void Without_NOTIFY_SOCKET_nothing_is_sent_and_every_call_returns_false()
    {
        using var unset = NativeEnvironment.Set(("NOTIFY_SOCKET", null));

        Assert.False(notifier.Ready());
        Assert.False(notifier.Status("idle"));
        Assert.False(notifier.Watchdog());
        Assert.False(notifier.Stopping());
    }

    [Fact]
    public void A_NOTIFY_SOCKET_nobody_listens_on_is_an_error_that_names_the_call()
    {
        using var directory = new Backup.TestSupport.TemporaryDirectory();
        using var gone = NativeEnvironment.Set(("NOTIFY_SOCKET", directory["nobody-here"]));

        var error = Assert.Throws<SystemdException>(() => notifier.Ready());

        Assert.Equal("sd_notify", error.Call);
        Assert.Contains("READY=1", error.Message, StringComparison.Ordinal);
        Assert.Contains("ENOENT", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Watchdog_interval_is_half_the_timeout_the_manager_set_for_this_process()
    {
        using var armed = NativeEnvironment.Set(("WATCHDOG_USEC", "30000000"), ("WATCHDOG_PID", Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)));

        Assert.Equal(TimeSpan.FromSeconds(30), notifier.WatchdogTimeout);
        Assert.Equal(TimeSpan.FromSeconds(15), notifier.WatchdogInterval);
    }

    [Fact]
    public void Watchdog_without_WATCHDOG_PID_applies_to_this_process()
    {
        using var armed = NativeEnvironment.Set(("WATCHDOG_USEC", "5000000"), ("WATCHDOG_PID", null));

        Assert.Equal(TimeSpan.FromMilliseconds(2500), notifier.WatchdogInterval);
    }

    [Fact]
    public void Watchdog_armed_for_another_process_is_not_ours()
    {
        using var other = NativeEnvironment.Set(("WATCHDOG_USEC", "30000000"), ("WATCHDOG_PID", "1"));

        Assert.Null(notifier.WatchdogTimeout);
        Assert.Null(notifier.WatchdogInterval);
    }

    [Fact]
    public void No_watchdog_without_WATCHDOG_USEC()
    {
        using var none = NativeEnvironment.Set(("WATCHDOG_USEC", null), ("WATCHDOG_PID", null));

        Assert.Null(notifier.WatchdogInterval);
    }

    [Fact]
    public void A_malformed_WATCHDOG_USEC_is_reported()
    {
        using var broken = NativeEnvironment.Set(("WATCHDOG_USEC", "thirty seconds"), ("WATCHDOG_PID", null));

        var error = Assert.Throws<InvalidOperationException>(() => notifier.WatchdogInterval);

        Assert.Contains("sd_watchdog_enabled", error.Message, StringComparison.Ordinal);
    }
}
