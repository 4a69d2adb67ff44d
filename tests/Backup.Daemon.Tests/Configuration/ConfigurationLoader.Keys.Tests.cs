namespace Backup.Daemon.Tests.Configuration;

public sealed class ConfigurationLoaderKeysTests : ConfigDirectoryTestBase
{
    [Fact]
    public void Unknown_key_gets_a_suggestion()
    {
        var problem = ProblemOfLine4("schedul: daily 02:00");

        AssertAt(problem, JobPath("home"), 4, 1, "unknown key 'schedul': did you mean 'schedule'?");
    }

    [Fact]
    public void Swapped_letters_count_as_one_typo()
    {
        var problem = ProblemOfLine4("ctach_up: true");

        AssertAt(problem, JobPath("home"), 4, 1, "did you mean 'catch_up'?");
    }

    [Fact]
    public void Unknown_nested_key_gets_a_suggestion()
    {
        var problem = ProblemOfLine4("notify:\n  emial: root");

        AssertAt(problem, JobPath("home"), 5, 3, "unknown key 'notify.emial': did you mean 'notify.email'?");
    }

    [Fact]
    public void Camel_case_key_is_pointed_to_its_snake_case_spelling()
    {
        var problem = ProblemOfLine4("minInterval: 6h");

        AssertAt(problem, JobPath("home"), 4, 1, "did you mean 'min_interval'?");
    }

    [Fact]
    public void Unknown_key_far_from_any_known_key_lists_the_known_keys()
    {
        var problem = ProblemOfLine4("colour: red");

        AssertAt(problem, JobPath("home"), 4, 1, "unknown key 'colour': a job file knows only sources, exclude,");
    }

    [Fact]
    public void Global_key_in_a_job_file_says_where_it_belongs()
    {
        var problem = ProblemOfLine4("max_concurrent_jobs: 2");

        AssertAt(problem, JobPath("home"), 4, 1, "'max_concurrent_jobs' does not belong in a job file: it goes in backup.yaml");
    }

    [Fact]
    public void Password_in_a_job_file_is_refused_without_repeating_it()
    {
        var problem = ProblemOfLine4("password: hunter2-correct-horse");

        AssertAt(problem, JobPath("home"), 4, 1, "must never hold the repository password");
        Assert.Contains("password_file", problem.Message, StringComparison.Ordinal);
        Assert.Contains("password_credential", problem.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", problem.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Password_under_another_name_is_refused_too()
    {
        var problem = ProblemOfLine4("repository_passphrase: hunter2");

        AssertAt(problem, JobPath("home"), 4, 1, "must never hold the repository password");
        Assert.DoesNotContain("hunter2", problem.Message, StringComparison.Ordinal);
    }
}
