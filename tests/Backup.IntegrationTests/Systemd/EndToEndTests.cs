using System.Diagnostics;
using System.Text.Json;
using Xunit.Abstractions;

namespace Backup.IntegrationTests.Systemd;

/// <summary>
/// The whole product under real systemd: a job file, `systemctl start backup@JOB`, backupd started
/// by its socket, structured fields in the journal, a repository restic accepts, and a clear failure
/// for a job that does not exist.
/// </summary>
[Collection(SystemdContainerCollection.Name)]
public sealed class EndToEndTests(ITestOutputHelper output)
{
    private const string Password = "home password";

    [ContainerFact]
    public void Systemctl_start_backup_at_job_runs_the_job_in_the_socket_activated_daemon()
    {
        InstalledBackup.PublishInBackground();
        using var container = NspawnContainer.Boot(output.WriteLine);
        try
        {
            InstalledBackup.Install(container);
            container.Ok("systemctl", "enable", "--now", "backupd.socket");

            container.Ok("sh", "-c", """
                set -e
                useradd -m alice
                mkdir -p /home/alice/docs /home/alice/.cache
                echo "quarterly report" > /home/alice/docs/report.txt
                head -c 3000000 /dev/urandom > /home/alice/docs/photo.raw
                echo "cached" > /home/alice/.cache/junk
                chown -R alice:alice /home/alice
                """);
            container.WriteFile("/etc/backup/home.pass", Password + "\n", "0600");
            container.Ok("backupctl", "init", "-r", "/srv/backup/home", "--password-file", "/etc/backup/home.pass");
            container.WriteFile("/etc/backup/jobs.d/home.yaml", """
                sources: [/home/alice]
                exclude: ["/home/*/.cache"]
                repository: /srv/backup/home
                password_file: /etc/backup/home.pass
                schedule: daily 02:00
                """);

            Assert.Equal("inactive", container.Exec("systemctl", "is-active", "backupd.service").StdOut.Trim());

            var run = container.Exec(["systemctl", "start", "backup@home.service"], TimeSpan.FromMinutes(10));
            Assert.True(run.Succeeded, $"systemctl start backup@home: {run}\n{Journal(container, "backup@home.service")}\n{Journal(container, "backupd.service")}");

            // backupd was started by its socket: it is not enabled, it runs, and the listening socket
            // it holds is the one systemd created (not one it bound itself).
            Assert.Equal("disabled", container.Exec("systemctl", "is-enabled", "backupd.service").StdOut.Trim());
            Assert.Equal("active", container.Exec("systemctl", "is-active", "backupd.service").StdOut.Trim());
            Assert.Contains("backupd.socket", container.Ok("systemctl", "show", "-p", "TriggeredBy", "backupd.service"), StringComparison.Ordinal);
            var shared = container.Ok("sh", "-c", """
                pid=$(systemctl show -p MainPID --value backupd.service)
                for inode in $(awk '$8 == "/run/backup/backupd.sock" { print $7 }' /proc/net/unix); do
                    if ls -l /proc/1/fd | grep -q "socket:\[$inode\]" && ls -l "/proc/$pid/fd" | grep -q "socket:\[$inode\]"; then
                        echo "shared $inode"
                    fi
                done
                """);
            Assert.StartsWith("shared ", shared, StringComparison.Ordinal);

            // The journal has the run with its structured fields.
            var snapshot = WaitForJournalField(container, "home", TimeSpan.FromSeconds(20));
            Assert.Matches("^[0-9a-f]{8,64}$", snapshot);

            // restic accepts the repository, and the snapshot holds the job's sources without the excluded cache.
            var check = container.Exec(["restic", "--no-cache", "-r", "/srv/backup/home", "--password-file", "/etc/backup/home.pass", "check", "--read-data"], TimeSpan.FromMinutes(5));
            Assert.True(check.Succeeded, $"restic check: {check}");
            var snapshots = container.Ok("restic", "--no-cache", "-r", "/srv/backup/home", "--password-file", "/etc/backup/home.pass", "snapshots", "--json");
            var ids = JsonDocument.Parse(snapshots).RootElement.EnumerateArray().Select(s => s.GetProperty("id").GetString()!).ToList();
            Assert.Single(ids);
            Assert.StartsWith(snapshot, ids[0], StringComparison.Ordinal);
            var files = container.Ok("restic", "--no-cache", "-r", "/srv/backup/home", "--password-file", "/etc/backup/home.pass", "ls", "latest");
            Assert.Contains("/home/alice/docs/report.txt", files, StringComparison.Ordinal);
            Assert.Contains("/home/alice/docs/photo.raw", files, StringComparison.Ordinal);
            Assert.DoesNotContain("/home/alice/.cache/junk", files, StringComparison.Ordinal);
        }
        catch
        {
            output.WriteLine(Journal(container, "backupd.socket"));
            output.WriteLine(Journal(container, "backupd.service"));
            output.WriteLine(container.Diagnostics());
            throw;
        }
    }

    [ContainerFact]
    public void Systemctl_start_backup_at_unknown_job_fails_with_a_clear_message()
    {
        InstalledBackup.PublishInBackground();
        using var container = NspawnContainer.Boot(output.WriteLine);
        try
        {
            InstalledBackup.Install(container);
            container.Ok("systemctl", "enable", "--now", "backupd.socket");
            container.WriteFile("/etc/backup/home.pass", Password + "\n", "0600");
            container.Ok("backupctl", "init", "-r", "/srv/backup/home", "--password-file", "/etc/backup/home.pass");
            container.WriteFile("/etc/backup/jobs.d/home.yaml", """
                sources: [/etc]
                repository: /srv/backup/home
                password_file: /etc/backup/home.pass
                """);

            var missing = container.Exec(["systemctl", "start", "backup@nosuchjob.service"], TimeSpan.FromMinutes(2));
            Assert.False(missing.Succeeded, "systemctl start backup@nosuchjob succeeded");
            Assert.Equal("failed", container.Exec("systemctl", "is-failed", "backup@nosuchjob.service").StdOut.Trim());
            var journal = Journal(container, "backup@nosuchjob.service");
            Assert.Contains("no job named", journal, StringComparison.OrdinalIgnoreCase);
            Assert.Contains("nosuchjob", journal, StringComparison.Ordinal);

            // The daemon that answered is still there for the jobs that do exist (it may still be reporting ready).
            var deadline = Stopwatch.StartNew();
            string state;
            while ((state = container.Exec("systemctl", "is-active", "backupd.service").StdOut.Trim()) == "activating" && deadline.Elapsed < TimeSpan.FromSeconds(30))
            {
                Thread.Sleep(200);
            }

            Assert.Equal("active", state);
        }
        catch
        {
            output.WriteLine(Journal(container, "backup@nosuchjob.service"));
            output.WriteLine(Journal(container, "backupd.service"));
            output.WriteLine(container.Diagnostics());
            throw;
        }
    }

    private static string Journal(NspawnContainer container, string unit) =>
        $"--- journalctl -u {unit} ---\n" + container.Exec("journalctl", "-u", unit, "--no-pager", "-o", "short-precise").StdOut;

    /// <summary>The SNAPSHOT= field of backupd's journal entry for a job's run (JOB= that job).</summary>
    private static string WaitForJournalField(NspawnContainer container, string job, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        var entries = "";
        while (true)
        {
            entries = container.Ok("journalctl", "-u", "backupd.service", "-o", "json", "--no-pager");
            foreach (var line in entries.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                using var entry = JsonDocument.Parse(line);
                var root = entry.RootElement;
                if (Field(root, "JOB") == job && Field(root, "SNAPSHOT") is { Length: > 0 } snapshot)
                {
                    return snapshot;
                }
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new Xunit.Sdk.XunitException($"no journal entry of backupd.service with JOB={job} and SNAPSHOT=:\n{entries}");
            }

            Thread.Sleep(500);
        }
    }

    // journalctl -o json prints a field as a string, or as an array when it occurs more than once.
    private static string? Field(JsonElement entry, string name) =>
        entry.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
