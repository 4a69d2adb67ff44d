using Backup.IntegrationTests.Infrastructure;

namespace Backup.IntegrationTests;

public sealed class KeyCommandTests
{
    [RequiresToolFact("restic")]
    public void Added_key_opens_the_repository_in_both_tools_and_passwd_retires_the_old_password()
    {
        using var temp = new TempDirectory();
        var repo = temp.Sub("repo");
        var ours = new Backupctl(repo);
        ours.Ok("init");
        var newPassword = temp.Sub("new.pass");
        File.WriteAllText(newPassword, "  second password\n");

        ours.Ok("key", "add", "--new-password-file", newPassword);
        var listing = ours.Ok("key", "list");
        Assert.Equal(2, listing.Split('\n').Count(l => l.Length > 9 && l[1..9].All(Uri.IsHexDigit)));
        Assert.Single(listing.Split('\n'), l => l.StartsWith('*'));

        // The password file is trimmed, as restic does: restic opens the repository with the bare text.
        var asSecond = new Backupctl(repo, "second password");
        asSecond.Ok("snapshots");
        var restic = ProcessRunner.Run("restic", ["-r", repo, "cat", "config"], new Dictionary<string, string> { ["RESTIC_PASSWORD"] = "second password", ["RESTIC_CACHE_DIR"] = temp.Sub("cache") });
        Assert.Equal(0, restic.ExitCode);

        // Removing the key in use is refused; passwd replaces it.
        var currentId = listing.Split('\n').Single(l => l.StartsWith('*'))[1..9];
        var refused = ours.Run("key", "remove", currentId);
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("in use", refused.StdErr);

        var third = temp.Sub("third.pass");
        File.WriteAllText(third, "third");
        asSecond.Ok("key", "passwd", "--new-password-file", third);
        Assert.Equal(12, asSecond.Run("snapshots").ExitCode);
        new Backupctl(repo, "third").Ok("snapshots");
        ours.Ok("snapshots");
    }
}
