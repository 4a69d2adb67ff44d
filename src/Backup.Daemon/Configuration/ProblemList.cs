namespace Backup.Daemon.Configuration;

/// <summary>The problems found in one file; reading goes on after a problem so that all of them are reported at once.</summary>
internal sealed class ProblemList(string file)
{
    private readonly List<ConfigProblem> problems = [];

    public string File { get; } = file;

    public int Count => problems.Count;

    public void Add(ConfigNode at, string message) => Add(at.Line, at.Column, message);

    public void Add(int line, int column, string message) => problems.Add(new ConfigProblem(File, line, column, message));

    /// <summary>A problem with the file as a whole (its name, its permissions), not with a place in it.</summary>
    public void AddForFile(string message) => Add(0, 0, message);

    /// <summary>In the order of the file, as an editor would walk them.</summary>
    public IReadOnlyList<ConfigProblem> ToList() =>
        problems.OrderBy(p => p.Line).ThenBy(p => p.Column).ToList();
}
