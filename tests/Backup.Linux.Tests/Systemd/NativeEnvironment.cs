using System.Runtime.InteropServices;

namespace Backup.Linux.Tests.Systemd;

/// <summary>
/// The C library's environment. libsystemd reads it with getenv(3), while .NET keeps its own copy
/// (Environment.SetEnvironmentVariable never reaches getenv), so tests set variables in both.
/// </summary>
internal static partial class NativeEnvironment
{
    public static string? Get(string name) => Marshal.PtrToStringUTF8(GetEnv(name));

    /// <summary>Sets (or with null removes) variables in both environments until disposed, then restores them.</summary>
    public static IDisposable Set(params (string Name, string? Value)[] variables)
    {
        var saved = variables.Select(v => (v.Name, Native: Get(v.Name), Managed: Environment.GetEnvironmentVariable(v.Name))).ToList();
        foreach (var (name, value) in variables)
        {
            SetBoth(name, value, value);
        }

        return new Restore(() =>
        {
            foreach (var (name, native, managed) in saved)
            {
                SetBoth(name, native, managed);
            }
        });
    }

    private static void SetBoth(string name, string? native, string? managed)
    {
        var result = native is null ? UnsetEnv(name) : SetEnv(name, native, 1);
        if (result != 0)
        {
            throw new InvalidOperationException($"setenv/unsetenv {name} failed: errno {Marshal.GetLastPInvokeError()}");
        }

        Environment.SetEnvironmentVariable(name, managed);
    }

    [LibraryImport("libc", EntryPoint = "getenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint GetEnv(string name);

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int SetEnv(string name, string value, int overwrite);

    [LibraryImport("libc", EntryPoint = "unsetenv", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int UnsetEnv(string name);

    private sealed class Restore(Action restore) : IDisposable
    {
        public void Dispose() => restore();
    }
}

/// <summary>
/// Tests that change process-wide state (environment variables, the journal socket) must not run
/// beside any other test of this assembly.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessStateCollection
{
    public const string Name = "process environment";
}
