namespace Backup.Daemon.Tests.Configuration;

public sealed class ConfigurationLoaderGlobalTests : ConfigDirectoryTestBase
{
    [Fact]
    public void Global_settings_load()
    {
        WriteGlobal("max_concurrent_jobs: 4\ndestination_poll_interval: 30s\nnotify:\n  email: admin@example.org\n  heartbeat: 1w\n");

        var config = Load();

        Assert.Empty(config.AllProblems);
        Assert.Equal(4, config.Global.MaxConcurrentJobs);
        Assert.Equal(TimeSpan.FromSeconds(30), config.Global.DestinationPollInterval);
        Assert.Equal("admin@example.org", config.Global.Notify.Email);
        Assert.Null(config.Global.Notify.Webhook);
        Assert.Equal(TimeSpan.FromDays(7), config.Global.Notify.Heartbeat);
    }

    [Fact]
    public void Missing_global_file_gives_the_defaults()
    {
        var config = Load();

        Assert.Empty(config.AllProblems);
        Assert.Equal(2, config.Global.MaxConcurrentJobs);
        Assert.Equal(TimeSpan.FromMinutes(1), config.Global.DestinationPollInterval);
        Assert.Null(config.Global.Notify.Email);
    }

    [Fact]
    public void Dangling_link_as_global_file_is_reported()
    {
        File.CreateSymbolicLink(GlobalPath, Path.Combine(ConfigDir, "absent.yaml"));

        var config = Load();

        AssertAt(Assert.Single(config.GlobalProblems), GlobalPath, 0, 0, "cannot be read");
        Assert.Equal(2, config.Global.MaxConcurrentJobs);
    }

    [Fact]
    public void Global_notify_defaults_apply_to_jobs_that_do_not_set_them()
    {
        WriteGlobal("notify:\n  email: admin@example.org\n  webhook: https://hc.example.org/ping/all\n  heartbeat: 1d\n");
        WriteJob("plain", MinimalJob);
        WriteJob("own", MinimalJob + "notify:\n  email: root\n");
        WriteJob("quiet", MinimalJob + "notify:\n  webhook:\n  heartbeat: ~\n");

        var jobs = Load().Jobs.ToDictionary(j => j.Name);

        Assert.Equal("admin@example.org", jobs["plain"].Notify.Email);
        Assert.Equal("https://hc.example.org/ping/all", jobs["plain"].Notify.Webhook);
        Assert.Equal(TimeSpan.FromDays(1), jobs["plain"].Notify.Heartbeat);

        Assert.Equal("root", jobs["own"].Notify.Email);
        Assert.Equal("https://hc.example.org/ping/all", jobs["own"].Notify.Webhook);
        Assert.Equal(TimeSpan.FromDays(1), jobs["own"].Notify.Heartbeat);

        // An explicitly empty value switches the default off for that job.
        Assert.Equal("admin@example.org", jobs["quiet"].Notify.Email);
        Assert.Null(jobs["quiet"].Notify.Webhook);
        Assert.Null(jobs["quiet"].Notify.Heartbeat);
    }

    [Fact]
    public void Bad_global_file_gives_problems_and_the_defaults_and_jobs_still_load()
    {
        WriteGlobal("max_concurrent_jobs: 100\nnotify:\n  email: admin@example.org\n");
        WriteJob("home", MinimalJob);

        var config = Load();

        AssertAt(Assert.Single(config.GlobalProblems), GlobalPath, 1, 22, "'max_concurrent_jobs' must be a whole number from 1 to 64");
        Assert.Equal(2, config.Global.MaxConcurrentJobs);
        Assert.Null(config.Global.Notify.Email);
        var job = Assert.Single(config.Jobs);
        Assert.Null(job.Notify.Email);
    }

    [Fact]
    public void Quoted_number_is_refused()
    {
        WriteGlobal("max_concurrent_jobs: \"4\"\n");

        AssertAt(Assert.Single(Load().GlobalProblems), GlobalPath, 1, 22, "from 1 to 64, without quotes");
    }

    [Fact]
    public void Job_key_in_the_global_file_says_where_it_belongs()
    {
        WriteGlobal("sources: [/home]\n");

        AssertAt(Assert.Single(Load().GlobalProblems), GlobalPath, 1, 1, "'sources' does not belong in backup.yaml: it goes in a job file");
    }

    [Fact]
    public void Unknown_global_key_gets_a_suggestion()
    {
        WriteGlobal("max_concurent_jobs: 3\n");

        AssertAt(Assert.Single(Load().GlobalProblems), GlobalPath, 1, 1, "did you mean 'max_concurrent_jobs'?");
    }

    [Fact]
    public void Bad_global_duration_and_webhook_are_both_reported()
    {
        WriteGlobal("destination_poll_interval: 1 minute\nnotify:\n  webhook: mailto:root\n");

        var problems = Load().GlobalProblems;

        Assert.Equal([(1, 28), (3, 12)], problems.Select(p => (p.Line, p.Column)));
    }

    [Fact]
    public void Global_file_that_is_a_list_is_reported()
    {
        WriteGlobal("- max_concurrent_jobs: 2\n");

        AssertAt(Assert.Single(Load().GlobalProblems), GlobalPath, 1, 1, "backup.yaml must be a mapping of settings");
    }
}
