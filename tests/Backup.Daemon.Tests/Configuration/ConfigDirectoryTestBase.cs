using Backup.Daemon.Configuration;

namespace Backup.Daemon.Tests.Configuration;

/// <summary>A fresh configuration directory per test, removed afterwards.</summary>
public abstract class ConfigDirectoryTestBase : IDisposable
{
    /// <summary>The smallest valid job; tests append the line under test as line 4.</summary>
    protected const string MinimalJob = "sources: [/home]\nrepository: /srv/backup/home\npassword_credential: home-password\n";

    protected ConfigDirectoryTestBase()
    {
        ConfigDir = Path.Combine(Path.GetTempPath(), "backup-config-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path.Combine(ConfigDir, ConfigurationLoader.JobsDirectoryName));
    }

    protected string ConfigDir { get; }

    protected string JobsDir => Path.Combine(ConfigDir, ConfigurationLoader.JobsDirectoryName);

    protected string GlobalPath => Path.Combine(ConfigDir, "backup.yaml");

    protected string JobPath(string name) => Path.Combine(JobsDir, name + ".yaml");

    protected string WriteJob(string name, string text)
    {
        var path = JobPath(name);
        File.WriteAllText(path, text);
        return path;
    }

    protected void WriteGlobal(string text) => File.WriteAllText(GlobalPath, text);

    protected DaemonConfiguration Load() => ConfigurationLoader.Load(ConfigDir);

    /// <summary>Loads, checks that the job is disabled for exactly one problem, and returns that problem.</summary>
    protected ConfigProblem SingleProblem(string job)
    {
        var config = Load();
        Assert.DoesNotContain(config.Jobs, j => j.Name == job);
        Assert.True(config.DisabledJobs.TryGetValue(job, out var problems), $"job '{job}' is not disabled");
        return Assert.Single(problems!);
    }

    /// <summary>The only problem of a job file made of <see cref="MinimalJob"/> and one more line.</summary>
    protected ConfigProblem ProblemOfLine4(string line)
    {
        WriteJob("home", MinimalJob + line + "\n");
        return SingleProblem("home");
    }

    protected static void AssertAt(ConfigProblem problem, string file, int line, int column, string messagePart)
    {
        Assert.Equal(file, problem.File);
        Assert.Equal((line, column), (problem.Line, problem.Column));
        Assert.Contains(messagePart, problem.Message, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        Directory.Delete(ConfigDir, recursive: true);
        GC.SuppressFinalize(this);
    }
}
