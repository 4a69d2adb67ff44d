namespace Backup.Daemon.Logging;

/// <summary>
/// Stable MESSAGE_ID values (sd-id128) for each kind of event, so `journalctl MESSAGE_ID=…` finds
/// every occurrence across versions. Never change one once released.
/// </summary>
public static class EventIds
{
    public const string DaemonStarted = "ac8eed0f11b7427dbc2c4555f34d6a7d";
    public const string DaemonStopping = "6780e8570a8b4134b5061e2a87172f46";
    public const string JobStarted = "c17c6178b3114a769b403edb1b63681d";
    public const string JobSucceeded = "8e7451ebcea546d0a2708d1ebd350aff";
    public const string JobPartial = "590b5014e51c42efa20bd5fa7b1b1d7c";
    public const string JobFailed = "f89b44abb37e4ce78e09000e1aea0a7e";
    public const string JobCancelled = "89a2c30dc08d4a1885062cc35affc3c7";
    public const string JobSkipped = "a2ca1a616448457a9255981ca082eea9";
    public const string JobOverdue = "e802e6ce170c4852bc4def20df8bd0b8";
    public const string ConfigInvalid = "6e9d1847ec06473a950d218e4aaf9ec8";
    public const string DestinationUnavailable = "8f8b5a9ede7548c2bcf5a0db48af5a72";
    public const string NotificationFailed = "0e3ca1f76bc045618a2b526b1a5fc493";
}
