using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Backup.Core.Repository;

namespace Backup.Cli.Commands;

public static class SnapshotsCommand
{
    public static Command Create()
    {
        var host = new Option<string?>("--host", "-H") { Description = "Only snapshots of HOSTNAME", HelpName = "HOSTNAME" };
        var path = new Option<string[]>("--path") { Description = "Only snapshots of exactly these PATHs (repeatable)", HelpName = "PATH" };
        var command = new Command("snapshots", "List the snapshots in the repository, oldest first.") { host, path };
        command.SetAction(async (parse, ct) =>
        {
            var repository = await RepositoryAccess.OpenAsync(parse, ct).ConfigureAwait(false);
            var hostFilter = parse.GetValue(host);
            var pathFilter = parse.GetValue(path) is { Length: > 0 } p ? new SortedSet<string>(p, StringComparer.Ordinal) : null;
            var all = (await SnapshotStore.LoadAllAsync(repository, ct).ConfigureAwait(false))
                .Where(s => hostFilter is null || s.Snapshot.Hostname == hostFilter)
                .Where(s => pathFilter is null || pathFilter.SetEquals(s.Snapshot.Paths ?? []))
                .ToList();

            if (parse.GetValue(GlobalOptions.Json))
            {
                var array = new JsonArray();
                foreach (var (id, snapshot) in all)
                {
                    var node = JsonNode.Parse(snapshot.ToJson())!.AsObject();
                    node["id"] = id.ToString();
                    node["short_id"] = id.ToShortString();
                    array.Add((JsonNode)node);
                }

                Console.WriteLine(array.ToJsonString(new JsonSerializerOptions { WriteIndented = false }));
                return ExitCodes.Success;
            }

            Console.WriteLine($"{"ID",-8}  {"Time",-19}  {"Host",-16}  {"Tags",-12}  Paths");
            Console.WriteLine(new string('-', 80));
            foreach (var (id, snapshot) in all)
            {
                var time = snapshot.Time.ToDateTimeOffset().ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss");
                var pathsList = snapshot.Paths ?? [];
                Console.WriteLine($"{id.ToShortString(),-8}  {time,-19}  {snapshot.Hostname,-16}  {string.Join(',', snapshot.Tags ?? []),-12}  {pathsList.FirstOrDefault()}");
                foreach (var more in pathsList.Skip(1))
                {
                    Console.WriteLine($"{"",-8}  {"",-19}  {"",-16}  {"",-12}  {more}");
                }
            }

            Console.WriteLine(new string('-', 80));
            Console.WriteLine($"{all.Count} snapshot{(all.Count == 1 ? "" : "s")}");
            return ExitCodes.Success;
        });
        return command;
    }
}
