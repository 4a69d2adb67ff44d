using System.Text;
using Backup.Daemon.Configuration;

namespace Backup.Daemon.Tests.Configuration;

public sealed class ConfigurationLoaderFilesTests : ConfigDirectoryTestBase
{
    [Fact]
    public void Bad_job_name_disables_the_job()
    {
        var path = WriteJob("my home", MinimalJob);

        var problem = SingleProblem("my home");

        AssertAt(problem, path, 0, 0, "'my home' is not a valid job name");
        Assert.StartsWith($"{path}: ", problem.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Yml_file_is_told_to_be_renamed()
    {
        var path = Path.Combine(JobsDir, "home.yml");
        File.WriteAllText(path, MinimalJob);

        var problem = SingleProblem("home");

        AssertAt(problem, path, 0, 0, "job files end in .yaml: rename home.yml to home.yaml");
    }

    [Fact]
    public void Yml_file_beside_the_yaml_file_does_not_disable_the_job()
    {
        WriteJob("home", MinimalJob);
        var stray = Path.Combine(JobsDir, "home.yml");
        File.WriteAllText(stray, "nonsense: [");

        var config = Load();

        Assert.Equal("home", Assert.Single(config.Jobs).Name);
        Assert.Empty(config.DisabledJobs);
        AssertAt(Assert.Single(config.GlobalProblems), stray, 0, 0, "rename home.yml to home.yaml");
    }

    [Fact]
    public void Editor_backups_hidden_files_and_other_files_are_ignored()
    {
        WriteJob("home", MinimalJob);
        foreach (var name in new[] { "home.yaml~", ".home.yaml.swp", ".#home.yaml", "home.yaml.dpkg-old", "README" })
        {
            File.WriteAllText(Path.Combine(JobsDir, name), "not: [valid");
        }

        var config = Load();

        Assert.Empty(config.AllProblems);
        Assert.Equal("home", Assert.Single(config.Jobs).Name);
    }

    [Fact]
    public void Missing_configuration_directory_is_a_problem()
    {
        var missing = Path.Combine(ConfigDir, "absent");

        var config = ConfigurationLoader.Load(missing);

        Assert.Empty(config.Jobs);
        Assert.Empty(config.DisabledJobs);
        AssertAt(Assert.Single(config.GlobalProblems), missing, 0, 0, $"the configuration directory {missing} does not exist");
        Assert.Equal(2, config.Global.MaxConcurrentJobs);
    }

    [Fact]
    public void Missing_jobs_directory_means_no_jobs()
    {
        Directory.Delete(JobsDir);

        var config = Load();

        Assert.Empty(config.Jobs);
        Assert.Empty(config.AllProblems);
    }

    [Fact]
    public void Group_readable_password_file_is_an_error()
    {
        var passwordFile = Path.Combine(ConfigDir, "home.pass");
        File.WriteAllText(passwordFile, "correct horse battery staple\n");
        File.SetUnixFileMode(passwordFile, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
        WriteJob("home", $"sources: [/home]\nrepository: /srv/backup/home\npassword_file: {passwordFile}\n");

        var problem = SingleProblem("home");

        AssertAt(problem, JobPath("home"), 3, 16, $"password file {passwordFile} is open to group or others (mode 0640): run chmod 600 {passwordFile}");
        Assert.DoesNotContain("horse", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Private_password_file_is_accepted()
    {
        var passwordFile = Path.Combine(ConfigDir, "home.pass");
        File.WriteAllText(passwordFile, "correct horse battery staple\n");
        File.SetUnixFileMode(passwordFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        WriteJob("home", $"sources: [/home]\nrepository: /srv/backup/home\npassword_file: {passwordFile}\n");

        Assert.Equal(passwordFile, Assert.Single(Load().Jobs).PasswordFile);
    }

    [Fact]
    public void World_writable_job_file_is_an_error()
    {
        var path = WriteJob("home", MinimalJob);
        File.SetUnixFileMode(path, File.GetUnixFileMode(path) | UnixFileMode.OtherWrite);

        var problem = SingleProblem("home");

        AssertAt(problem, path, 0, 0, $"any user can change this file: run chmod o-w {path}");
    }

    [Fact]
    public void File_that_is_not_utf8_is_reported()
    {
        File.WriteAllBytes(JobPath("home"), [.. Encoding.UTF8.GetBytes(MinimalJob), 0xff, 0xfe, (byte)'\n']);

        var problem = SingleProblem("home");

        AssertAt(problem, JobPath("home"), 0, 0, "is not UTF-8 text");
    }

    [Fact]
    public void Oversized_file_is_not_read()
    {
        WriteJob("home", MinimalJob + "# " + new string('x', 2 * 1024 * 1024) + "\n");

        var problem = SingleProblem("home");

        AssertAt(problem, JobPath("home"), 0, 0, "is larger than 1024 KiB");
    }

    [Fact]
    public void Directory_named_like_a_job_is_reported()
    {
        Directory.CreateDirectory(JobPath("home"));

        var problem = SingleProblem("home");

        AssertAt(problem, JobPath("home"), 0, 0, "is a directory");
    }

    [Fact]
    public void Bad_file_disables_only_its_own_job()
    {
        WriteJob("etc", "sources: [/etc]\nrepository: /srv/backup/etc\npassword_credential: etc\n");
        WriteJob("home", MinimalJob + "schedul: daily\n");
        WriteJob("srv", "sources: [/srv]\nrepository: /srv/backup/srv\npassword_credential: srv\n");

        var config = Load();

        Assert.Equal(["etc", "srv"], config.Jobs.Select(j => j.Name));
        Assert.Equal(["home"], config.DisabledJobs.Keys);
        Assert.Empty(config.GlobalProblems);
    }

    [Fact]
    public void Every_problem_of_a_file_is_reported_in_file_order()
    {
        WriteJob("home", """
            sources: [home]
            repository: /srv/backup/home
            schedul: daily
            catch_up: yes
            min_interval: soon
            notify:
              webhook: ftp://hc.example.org/ping
            password: secret
            repository: /srv/other
            """);

        var problems = Load().DisabledJobs["home"];

        Assert.Equal(
            [(1, 1), (1, 11), (3, 1), (4, 11), (5, 15), (7, 12), (8, 1), (9, 1)],
            problems.Select(p => (p.Line, p.Column)));
        Assert.StartsWith("missing password_file or password_credential", problems[0].Message, StringComparison.Ordinal);
        Assert.Contains("is not an absolute path", problems[1].Message, StringComparison.Ordinal);
        Assert.Contains("did you mean 'schedule'?", problems[2].Message, StringComparison.Ordinal);
        Assert.Contains("not a boolean", problems[3].Message, StringComparison.Ordinal);
        Assert.Contains("is not a duration", problems[4].Message, StringComparison.Ordinal);
        Assert.Contains("http:// or https://", problems[5].Message, StringComparison.Ordinal);
        Assert.Contains("must never hold the repository password", problems[6].Message, StringComparison.Ordinal);
        Assert.Contains("duplicate key 'repository'", problems[7].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Jobs_are_in_name_order()
    {
        foreach (var name in new[] { "b", "a", "C", "a.b@c-d_e" })
        {
            WriteJob(name, MinimalJob);
        }

        Assert.Equal(["C", "a", "a.b@c-d_e", "b"], Load().Jobs.Select(j => j.Name));
    }
}
