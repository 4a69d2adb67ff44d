namespace Backup.Daemon.Tests.Configuration;

public sealed class ConfigurationLoaderValuesTests : ConfigDirectoryTestBase
{
    [Fact]
    public void Mapping_where_a_list_is_expected_is_a_wrong_type()
    {
        var problem = ProblemOfLine4("tags: {nightly: true}");

        AssertAt(problem, JobPath("home"), 4, 7, "'tags' must be a list of tags, not a mapping");
    }

    [Fact]
    public void List_where_a_single_value_is_expected_is_a_wrong_type()
    {
        var problem = ProblemOfLine4("schedule: [daily, weekly]");

        AssertAt(problem, JobPath("home"), 4, 11, "'schedule' must be a schedule such as daily 02:00, not a list");
    }

    [Fact]
    public void Nested_list_in_sources_is_a_wrong_type()
    {
        WriteJob("home", "sources: [/home, [/etc]]\nrepository: /srv/backup/home\npassword_credential: home\n");

        var problem = SingleProblem("home");

        AssertAt(problem, JobPath("home"), 1, 18, "each item of 'sources' must be a single value, not a list");
    }

    [Fact]
    public void Yes_is_not_a_boolean_in_yaml_1_2()
    {
        var problem = ProblemOfLine4("catch_up: yes");

        AssertAt(problem, JobPath("home"), 4, 11, "'catch_up' must be true or false: 'yes' is not a boolean in YAML 1.2");
    }

    [Fact]
    public void Quoted_true_is_text_not_a_boolean()
    {
        var problem = ProblemOfLine4("one_file_system: \"true\"");

        AssertAt(problem, JobPath("home"), 4, 18, "'one_file_system' must be true or false without quotes");
    }

    [Fact]
    public void Missing_sources_is_reported_at_the_start_of_the_mapping()
    {
        WriteJob("home", "# home directories\nrepository: /srv/backup/home\npassword_credential: home\n");

        var problem = SingleProblem("home");

        AssertAt(problem, JobPath("home"), 2, 1, "missing 'sources': list the directories to back up");
    }

    [Fact]
    public void Empty_sources_is_reported_at_the_key()
    {
        WriteJob("home", "repository: /srv/backup/home\npassword_credential: home\nsources: []\n");

        var problem = SingleProblem("home");

        AssertAt(problem, JobPath("home"), 3, 1, "'sources' is empty");
    }

    [Fact]
    public void Empty_file_is_told_every_required_key()
    {
        WriteJob("home", "# nothing yet\n");

        var problems = Load().DisabledJobs["home"];

        Assert.Equal(3, problems.Count);
        Assert.All(problems, p => Assert.Equal((1, 1), (p.Line, p.Column)));
        Assert.Contains(problems, p => p.Message.StartsWith("missing 'sources'", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Message.StartsWith("missing 'repository'", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Message.StartsWith("missing password_file or password_credential", StringComparison.Ordinal));
    }

    [Fact]
    public void Both_password_sources_are_an_error_at_the_second()
    {
        var problem = ProblemOfLine4("password_file: /etc/backup/home.pass");

        AssertAt(problem, JobPath("home"), 4, 1, "set only one of password_file and password_credential");
    }

    [Fact]
    public void No_password_source_is_an_error()
    {
        WriteJob("home", "sources: [/home]\nrepository: /srv/backup/home\n");

        var problem = SingleProblem("home");

        AssertAt(problem, JobPath("home"), 1, 1, "missing password_file or password_credential");
    }

    [Fact]
    public void Relative_source_is_reported_at_the_item()
    {
        WriteJob("home", "sources: [/home, home/user]\nrepository: /srv/backup/home\npassword_credential: home\n");

        var problem = SingleProblem("home");

        AssertAt(problem, JobPath("home"), 1, 18, "source 'home/user' is not an absolute path");
    }

    [Fact]
    public void Bad_schedule_gets_the_schedule_parsers_message()
    {
        var problem = ProblemOfLine4("schedule: dayly 02:00");

        AssertAt(problem, JobPath("home"), 4, 11, "'schedule': \"dayly 02:00\" is not a schedule: write hourly, daily");
    }

    [Fact]
    public void Bad_time_of_day_gets_the_schedule_parsers_message()
    {
        var problem = ProblemOfLine4("schedule: daily 25:00");

        AssertAt(problem, JobPath("home"), 4, 11, "\"25:00\" is not a time of day: write HH:MM");
    }

    [Fact]
    public void Bad_duration_gets_the_duration_parsers_message()
    {
        var problem = ProblemOfLine4("min_interval: 6 hours");

        AssertAt(problem, JobPath("home"), 4, 15, "'min_interval': \"6 hours\" is not a duration: write a number with a unit");
    }

    [Fact]
    public void Bad_heartbeat_duration_is_reported_inside_notify()
    {
        var problem = ProblemOfLine4("notify:\n  heartbeat: often");

        AssertAt(problem, JobPath("home"), 5, 14, "'notify.heartbeat': \"often\" is not a duration");
    }

    [Fact]
    public void Webhook_without_scheme_is_refused()
    {
        var problem = ProblemOfLine4("notify:\n  webhook: hc.example.org/ping/3f1c");

        AssertAt(problem, JobPath("home"), 5, 12, "'notify.webhook' must be an absolute http:// or https:// URL");
    }

    [Fact]
    public void Webhook_with_another_scheme_is_refused()
    {
        var problem = ProblemOfLine4("notify:\n  webhook: ftp://hc.example.org/ping/3f1c");

        AssertAt(problem, JobPath("home"), 5, 12, "'notify.webhook' must be an absolute http:// or https:// URL");
    }

    [Theory]
    [InlineData("-oQ/tmp/x")]
    [InlineData("root, admin")]
    [InlineData("admin@")]
    [InlineData("\"\"")]
    public void Email_must_be_one_recipient(string email)
    {
        var problem = ProblemOfLine4($"notify:\n  email: {email}");

        AssertAt(problem, JobPath("home"), 5, 10, "'notify.email' must be one mail address");
    }

    [Theory]
    [InlineData("admin@example.org")]
    [InlineData("root")]
    public void Email_may_be_an_address_or_a_user(string email)
    {
        WriteJob("home", MinimalJob + $"notify:\n  email: {email}\n");

        Assert.Equal(email, Assert.Single(Load().Jobs).Notify.Email);
    }

    [Theory]
    [InlineData("backup/home")]
    [InlineData("..")]
    [InlineData("\"\"")]
    public void Credential_name_must_be_a_plain_name(string credential)
    {
        WriteJob("home", $"sources: [/home]\nrepository: /srv/backup/home\npassword_credential: {credential}\n");

        var problem = SingleProblem("home");

        AssertAt(problem, JobPath("home"), 3, 22, "'password_credential' must be the name of a systemd credential");
    }

    [Fact]
    public void Relative_password_file_is_refused_without_repeating_it()
    {
        WriteJob("home", "sources: [/home]\nrepository: /srv/backup/home\npassword_file: hunter2\n");

        var problem = SingleProblem("home");

        AssertAt(problem, JobPath("home"), 3, 16, "'password_file' must be the absolute path of a file");
        Assert.DoesNotContain("hunter2", problem.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("backup/home")]
    [InlineData("s3:bucket/home")]
    [InlineData("rest:backup.example.org")]
    [InlineData("\"sftp:\"")]
    public void Repository_must_be_a_path_or_a_supported_url(string repository)
    {
        WriteJob("home", $"sources: [/home]\nrepository: {repository}\npassword_credential: home\n");

        var problem = SingleProblem("home");

        AssertAt(problem, JobPath("home"), 2, 13, "'repository' must be an absolute path");
    }

    [Fact]
    public void Empty_exclude_pattern_and_bad_tag_are_reported()
    {
        WriteJob("home", MinimalJob + "exclude: [\"\"]\ntags: [\"a,b\"]\n");

        var problems = Load().DisabledJobs["home"];

        Assert.Equal([(4, 11), (5, 8)], problems.Select(p => (p.Line, p.Column)));
    }
}
