using Xunit.Abstractions;

namespace Backup.IntegrationTests.Systemd;

/// <summary>The published programs and the units installed into a real systemd (PID 1 in a container).</summary>
[Collection(SystemdContainerCollection.Name)]
public sealed class UnitInstallTests(ITestOutputHelper output)
{
    [ContainerFact]
    public void Container_boots_and_the_units_install()
    {
        InstalledBackup.PublishInBackground();
        using var container = NspawnContainer.Boot(output.WriteLine);
        try
        {
            InstalledBackup.Install(container);

            // The self-contained programs run on a Debian without .NET.
            Assert.Contains("backupctl", container.Ok("backupctl", "--help"), StringComparison.Ordinal);

            // The container's own systemd accepts the units with the real programs and group in place.
            var verify = container.Exec(
                "systemd-analyze", "verify",
                "/usr/lib/systemd/system/backupd.service", "/usr/lib/systemd/system/backupd.socket",
                "/usr/lib/systemd/system/backup@.service", "/usr/lib/systemd/system/backup@.timer");
            Assert.True(verify.Succeeded && verify.StdErr.Trim().Length == 0, $"systemd-analyze verify in the container: {verify}");

            container.Ok("systemctl", "enable", "--now", "backupd.socket");
            Assert.Equal("active", container.Exec("systemctl", "is-active", "backupd.socket").StdOut.Trim());
            Assert.Equal("enabled", container.Exec("systemctl", "is-enabled", "backupd.socket").StdOut.Trim());
            Assert.Equal("660 root backup socket", container.Ok("stat", "-c", "%a %U %G %F", "/run/backup/backupd.sock").Trim());

            // Nothing has connected yet, so the daemon has not been started.
            Assert.Equal("inactive", container.Exec("systemctl", "is-active", "backupd.service").StdOut.Trim());

            // The job name reaches backupctl as written, dash included (%i, not %I).
            var execStart = container.Ok("systemctl", "show", "-p", "ExecStart", "backup@web-data.service");
            Assert.Contains("argv[]=/usr/bin/backupctl run web-data --wait ", execStart, StringComparison.Ordinal);
        }
        catch
        {
            output.WriteLine(container.Diagnostics());
            throw;
        }
    }

    /// <summary>
    /// backupd's sandbox must still let the engine read every file and restore owners, modes,
    /// set-id bits and device nodes. This runs backupctl init, backup and restore under exactly the
    /// [Service] settings of backupd.service (only the start command and type differ), so the
    /// hardening is proven with the real engine before and independently of the daemon.
    /// </summary>
    [ContainerFact]
    public void Backup_and_restore_work_inside_the_sandbox_of_backupd_service()
    {
        InstalledBackup.PublishInBackground();
        using var container = NspawnContainer.Boot(output.WriteLine);
        try
        {
            InstalledBackup.Install(container);
            container.Ok("sh", "-c", """
                set -e
                useradd -m alice
                mkdir -p /home/alice/docs /home/alice/locked
                echo "private notes" > /home/alice/docs/notes.txt
                chmod 600 /home/alice/docs/notes.txt
                echo "nobody may read this" > /home/alice/docs/unreadable.txt
                chmod 000 /home/alice/docs/unreadable.txt
                echo "in a closed directory" > /home/alice/locked/inside.txt
                cp /usr/bin/true /home/alice/docs/setuid-tool
                chown -R alice:alice /home/alice
                chmod 4755 /home/alice/docs/setuid-tool
                chmod 000 /home/alice/locked
                mknod /home/alice/docs/null c 1 3
                mkfifo /home/alice/docs/fifo
                ln -s notes.txt /home/alice/docs/link
                mkdir -p /srv/backup
                """);
            container.WriteFile("/etc/backup/sandbox.pass", "sandbox password\n", "0600");

            var unit = SandboxedUnit(
                File.ReadAllText(Path.Combine(InstalledBackup.UnitDirectory, "backupd.service")),
                [
                    "Environment=BACKUP_REPOSITORY=/srv/backup/sandbox BACKUP_PASSWORD_FILE=/etc/backup/sandbox.pass",
                    "ExecStart=/usr/bin/backupctl init",
                    "ExecStart=/usr/bin/backupctl backup /home/alice",
                    "ExecStart=/usr/bin/backupctl restore latest --target /srv/backup/restored",
                ]);
            container.WriteFile("/etc/systemd/system/backupd-sandbox-check.service", unit);
            container.Ok("systemctl", "daemon-reload");

            var run = container.Exec(["systemctl", "start", "backupd-sandbox-check.service"], TimeSpan.FromMinutes(5));
            var journal = container.Exec("journalctl", "-u", "backupd-sandbox-check.service", "--no-pager").StdOut;
            output.WriteLine(journal);
            Assert.True(run.Succeeded, $"the sandboxed backup and restore failed: {run}\n{journal}");

            // Same names, kinds, owners, modes and contents after the round trip.
            const string listing = "cd \"$1\" && find . -printf '%p %y %u:%g %m %s %l\\n' | sort";
            var original = container.Ok("sh", "-c", listing, "sh", "/home/alice");
            var restored = container.Ok("sh", "-c", listing, "sh", "/srv/backup/restored/home/alice");
            Assert.Equal(original, restored);
            Assert.Contains("./docs/setuid-tool f alice:alice 4755", restored, StringComparison.Ordinal);
            Assert.Contains("./docs/null c root:root 644", restored, StringComparison.Ordinal);
            container.Ok("cmp", "/home/alice/docs/unreadable.txt", "/srv/backup/restored/home/alice/docs/unreadable.txt");
            container.Ok("cmp", "/home/alice/locked/inside.txt", "/srv/backup/restored/home/alice/locked/inside.txt");

            // And restic, the format's reference, agrees with the repository.
            var check = container.Exec("restic", "--no-cache", "-r", "/srv/backup/sandbox", "--password-file", "/etc/backup/sandbox.pass", "check", "--read-data");
            Assert.True(check.Succeeded, $"restic check: {check}");
        }
        catch
        {
            output.WriteLine(container.Diagnostics());
            throw;
        }
    }

    /// <summary>backupd.service with its [Service] settings kept but run as a oneshot of the given commands.</summary>
    private static string SandboxedUnit(string daemonUnit, IReadOnlyList<string> serviceLines)
    {
        var result = new List<string>();
        var section = "";
        foreach (var raw in daemonUnit.Split('\n'))
        {
            var line = raw.TrimEnd();
            if (line.StartsWith('['))
            {
                section = line;
                if (section == "[Install]")
                {
                    continue;
                }
            }
            else if (section == "[Install]")
            {
                continue;
            }

            var key = line.Split('=', 2)[0];
            if (key is "Type" or "ExecStart" or "ExecReload" or "Restart" or "RestartSec" or "Requires" || line == "After=backupd.socket")
            {
                continue;
            }

            result.Add(line);
            if (line == "[Service]")
            {
                result.Add("Type=oneshot");
                result.AddRange(serviceLines);
            }
        }

        return string.Join('\n', result) + "\n";
    }
}
