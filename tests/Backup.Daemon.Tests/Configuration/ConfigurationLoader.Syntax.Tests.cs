namespace Backup.Daemon.Tests.Configuration;

public sealed class ConfigurationLoaderSyntaxTests : ConfigDirectoryTestBase
{
    [Fact]
    public void Syntax_error_is_reported_at_yamldotnets_position()
    {
        var problem = ProblemOfLine4("schedule: \"daily 02:00");

        AssertAt(problem, JobPath("home"), 4, 11, "invalid YAML: While scanning a quoted scalar, found unexpected end of stream");
    }

    [Fact]
    public void Unclosed_flow_list_is_reported_where_the_parser_stopped()
    {
        WriteJob("home", "sources: [/home, /etc\nrepository: /srv/backup/home\npassword_credential: home\n");

        var problem = SingleProblem("home");

        AssertAt(problem, JobPath("home"), 2, 1, "invalid YAML");
    }

    [Fact]
    public void Tab_indentation_is_reported_at_the_tab()
    {
        WriteJob("home", "sources:\n\t- /home\nrepository: /srv/backup/home\npassword_credential: home\n");

        var problem = SingleProblem("home");

        AssertAt(problem, JobPath("home"), 2, 1, "a tab is used for indentation: YAML indents with spaces only");
    }

    [Fact]
    public void Tab_indentation_inside_a_section_is_reported_at_the_tab()
    {
        var problem = ProblemOfLine4("notify:\n  email: root\n  \twebhook: https://hc.example.org/ping/1");

        AssertAt(problem, JobPath("home"), 6, 3, "a tab is used for indentation");
    }

    [Fact]
    public void Tab_on_a_blank_line_is_reported_at_the_tab()
    {
        var problem = ProblemOfLine4("catch_up: true\n\t\nschedule: daily");

        AssertAt(problem, JobPath("home"), 5, 1, "a tab is used for indentation");
    }

    [Fact]
    public void Tab_after_a_colon_is_not_indentation()
    {
        WriteJob("home", MinimalJob + "schedule:\tdaily 02:00\n");

        Assert.Equal("daily 02:00", Assert.Single(Load().Jobs).Schedule?.Text);
    }

    [Fact]
    public void Duplicate_key_is_reported_at_the_second_occurrence()
    {
        var problem = ProblemOfLine4("repository: /srv/backup/other");

        AssertAt(problem, JobPath("home"), 4, 1, "duplicate key 'repository' (first on line 2)");
    }

    [Fact]
    public void Duplicate_key_inside_notify_is_reported()
    {
        var problem = ProblemOfLine4("notify: {email: root, email: admin}");

        AssertAt(problem, JobPath("home"), 4, 23, "duplicate key 'email' (first on line 4)");
    }

    [Fact]
    public void Second_document_is_reported()
    {
        var problem = ProblemOfLine4("---\nsources: [/srv]");

        AssertAt(problem, JobPath("home"), 4, 1, "a second YAML document");
    }

    [Fact]
    public void Document_that_is_not_a_mapping_is_reported()
    {
        WriteJob("home", "- /home\n- /etc\n");

        var problem = SingleProblem("home");

        AssertAt(problem, JobPath("home"), 1, 1, "a job file must be a mapping of settings (key: value lines), not a list");
    }

    [Fact]
    public void Alias_to_an_anchor_is_followed()
    {
        WriteJob("home", "sources: &dirs [/home, /etc]\nexclude: *dirs\nrepository: /srv/backup/home\npassword_credential: home\n");

        var job = Assert.Single(Load().Jobs);

        Assert.Equal(["/home", "/etc"], job.Exclude);
    }

    [Fact]
    public void Alias_without_anchor_is_reported()
    {
        var problem = ProblemOfLine4("exclude: *nothing");

        AssertAt(problem, JobPath("home"), 4, 10, "the alias '*nothing' names no anchor");
    }

    [Fact]
    public void Hostile_nesting_is_reported_not_overflowing_the_stack()
    {
        var problem = ProblemOfLine4("tags: " + new string('[', 10_000) + new string(']', 10_000));

        Assert.Equal(4, problem.Line);
        Assert.Contains("nested more than", problem.Message, StringComparison.Ordinal);
    }
}
