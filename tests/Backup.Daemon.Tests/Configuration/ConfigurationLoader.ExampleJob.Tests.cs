using Backup.Daemon.Scheduling;

namespace Backup.Daemon.Tests.Configuration;

public sealed class ConfigurationLoaderExampleJobTests : ConfigDirectoryTestBase
{
    // The job file of the documentation, exactly as written there.
    private const string ExampleJob = """
        # /etc/backup/jobs.d/home.yaml
        sources: [/home, /etc]
        exclude: ["/home/*/.cache"]
        repository: /srv/backup/home          # later also sftp:…, rest:…
        password_file: /etc/backup/home.pass  # or password_credential: home-password
        schedule: daily 02:00
        min_interval: 6h
        catch_up: true
        overdue_after: 3d
        notify:
          email: root
          webhook: https://hc.example.org/ping/3f1c

        """;

    [Fact]
    public void Example_job_loads_to_the_exact_values()
    {
        var path = WriteJob("home", ExampleJob);

        var config = Load();

        Assert.Empty(config.AllProblems);
        Assert.Empty(config.DisabledJobs);
        var job = Assert.Single(config.Jobs);
        Assert.Equal("home", job.Name);
        Assert.Equal(path, job.File);
        Assert.Equal(["/home", "/etc"], job.Sources);
        Assert.Equal(["/home/*/.cache"], job.Exclude);
        Assert.False(job.ExcludeCaches);
        Assert.False(job.OneFileSystem);
        Assert.Empty(job.Tags);
        Assert.Equal("/srv/backup/home", job.Repository);
        Assert.Equal("/etc/backup/home.pass", job.PasswordFile);
        Assert.Null(job.PasswordCredential);
        Assert.NotNull(job.Schedule);
        Assert.Equal(ScheduleKind.Daily, job.Schedule.Kind);
        Assert.Equal([new TimeOnly(2, 0)], job.Schedule.Times);
        Assert.Equal("daily 02:00", job.Schedule.Text);
        Assert.Equal(TimeSpan.FromHours(6), job.MinInterval);
        Assert.True(job.CatchUp);
        Assert.Equal(TimeSpan.FromDays(3), job.OverdueAfter);
        Assert.Equal("root", job.Notify.Email);
        Assert.Equal("https://hc.example.org/ping/3f1c", job.Notify.Webhook);
        Assert.Null(job.Notify.Heartbeat);
    }

    [Fact]
    public void Optional_keys_load()
    {
        WriteJob("data", """
            sources: /srv/data
            exclude: "*.tmp"
            exclude_caches: true
            one_file_system: True
            tags: [nightly, data]
            repository: sftp:backup@nas:/srv/restic
            password_credential: data-password
            schedule: every 6h
            notify:
              heartbeat: 1d
            """);

        var job = Assert.Single(Load().Jobs);

        Assert.Equal(["/srv/data"], job.Sources);
        Assert.Equal(["*.tmp"], job.Exclude);
        Assert.True(job.ExcludeCaches);
        Assert.True(job.OneFileSystem);
        Assert.Equal(["nightly", "data"], job.Tags);
        Assert.Equal("sftp:backup@nas:/srv/restic", job.Repository);
        Assert.Null(job.PasswordFile);
        Assert.Equal("data-password", job.PasswordCredential);
        Assert.Equal(ScheduleKind.Interval, job.Schedule!.Kind);
        Assert.Equal(TimeSpan.FromDays(1), job.Notify.Heartbeat);
        Assert.Null(job.MinInterval);
        Assert.False(job.CatchUp);
    }

    [Fact]
    public void Job_without_schedule_only_runs_when_triggered()
    {
        WriteJob("usb", MinimalJob);

        var job = Assert.Single(Load().Jobs);

        Assert.Null(job.Schedule);
    }

    [Fact]
    public void Rest_repository_and_block_lists_load()
    {
        WriteJob("web", """
            sources:
              - /var/www
              - /etc/nginx
            repository: rest:https://backup.example.org:8000/web
            password_file: /etc/backup/web.pass
            """);

        var job = Assert.Single(Load().Jobs);

        Assert.Equal(["/var/www", "/etc/nginx"], job.Sources);
        Assert.Equal("rest:https://backup.example.org:8000/web", job.Repository);
    }
}
