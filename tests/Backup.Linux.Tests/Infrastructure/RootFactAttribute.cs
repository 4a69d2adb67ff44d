namespace Backup.Linux.Tests.Infrastructure;

/// <summary>A fact that needs root (mknod, chown to other users); skipped otherwise, except under CI where it must run.</summary>
public sealed class RootFactAttribute : FactAttribute
{
    public RootFactAttribute()
    {
        if (Environment.UserName != "root" && !string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            Skip = "needs root (devices, ownership): run the tests as root";
        }
    }
}

/// <summary>A measurement rather than a check: runs only with BACKUP_BENCHMARKS=1 and reports through the test output.</summary>
public sealed class BenchmarkFactAttribute : FactAttribute
{
    public BenchmarkFactAttribute()
    {
        if (Environment.GetEnvironmentVariable("BACKUP_BENCHMARKS") != "1")
        {
            Skip = "a measurement: set BACKUP_BENCHMARKS=1 to run it";
        }
    }
}
