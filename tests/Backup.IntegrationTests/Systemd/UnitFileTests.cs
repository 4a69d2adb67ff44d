using Backup.IntegrationTests.Infrastructure;

namespace Backup.IntegrationTests.Systemd;

/// <summary>The unit files, checked offline on the host with systemd-analyze.</summary>
public sealed class UnitFileTests
{
    [RequiresToolFact("systemd-analyze")]
    public void Units_pass_systemd_analyze_verify()
    {
        // verify also checks that every ExecStart= program exists and that every unit named in a
        // dependency can be loaded. A scratch root holds the host's units, ours, and stand-ins for
        // the two programs, so the check neither needs an installed package nor sees one.
        using var root = new TempDirectory("units-verify-");
        var unitDir = Path.Combine(root.Path, "usr", "lib", "systemd", "system");
        Directory.CreateDirectory(unitDir);
        var hostUnits = Directory.Exists("/usr/lib/systemd/system") ? "/usr/lib/systemd/system" : "/lib/systemd/system";
        HostCommand.Ok("cp", ["-a", hostUnits + "/.", unitDir], TimeSpan.FromMinutes(1));
        foreach (var unit in InstalledBackup.UnitFiles)
        {
            File.Copy(unit, Path.Combine(unitDir, Path.GetFileName(unit)), overwrite: true);
        }

        foreach (var program in new[] { "usr/bin/backupctl", "usr/sbin/backupd" })
        {
            var path = Path.Combine(root.Path, program);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, "#!/bin/sh\n");
            File.SetUnixFileMode(path, (UnixFileMode)Convert.ToInt32("755", 8));
        }

        var names = InstalledBackup.UnitFiles.Select(Path.GetFileName).Cast<string>().ToList();
        Assert.Contains("backupd.service", names);
        Assert.Contains("backupd.socket", names);
        Assert.Contains("backup@.service", names);
        Assert.Contains("backup@.timer", names);

        // Templates are checked as written and as instances, including a job name with a dash.
        var toVerify = names.Concat(["backup@home.service", "backup@web-data.service", "backup@home.timer"]).ToList();
        var result = HostCommand.Run("systemd-analyze", ["verify", "--root=" + root.Path, .. toVerify], TimeSpan.FromMinutes(1));

        // Unknown keys and other mistakes systemd ignores only show up as warnings on stderr.
        Assert.True(result.Succeeded && result.StdErr.Trim().Length == 0 && result.StdOut.Trim().Length == 0,
            $"systemd-analyze verify {string.Join(' ', toVerify)}: {result}");
    }
}
