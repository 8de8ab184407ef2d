using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Spectre.Console;

namespace Fpo.Silo.Bench.Cluster;

/// <summary>Prints `fpo bench cluster`'s numbers as tables or one JSON document.</summary>
public static class ClusterBenchReport
{
    private const string NoCounterpart = "no PyTorch counterpart: PyTorch has no distributed RLAIF loop; these numbers are our baseline";
    private static readonly string[] Roles = ["trainer", "rollout", "reference", "judge"];

    public static void Print(ClusterBenchResult r)
    {
        if (r.Throughput.Count > 0)
        {
            var table = new Table().Title($"fpo silo cluster on this machine ({r.Cores} cores): tiny task, 1 trainer + N rollout + 1 reference + 1 judge silo");
            foreach (var h in new[] { "rollout silos", "window s", "pairs judged/min", "snapshots/h" }.Concat(Roles.Select(role => $"CPU {role}"))) table.AddColumn(h);
            foreach (var t in r.Throughput)
                table.AddRow([$"{t.RolloutSilos}", F(t.WindowSeconds, 0), F(t.PairsJudgedPerMinute, 1), F(t.SnapshotsPerHour, 0),
                    .. Roles.Select(role => t.Cpu.FirstOrDefault(c => c.Role == role) is { } c ? $"{c.MachineShare:P0} ({F(c.CpuSeconds, 0)} s)" : "-")]);
            AnsiConsole.Write(table);
            AnsiConsole.MarkupLine("[grey]CPU: each role's share of the machine's cores over the window (CPU seconds from /proc/PID/stat in brackets)[/]");
        }
        if (r.Latency.Count > 0)
        {
            var table = new Table().Title("publish latency: snapshot commit to the last of 2 rollout silos serving it");
            foreach (var h in new[] { "shape", "parameters", "snapshot MB", "publish s (median)", "latency s (median)", "latency s (each)" }) table.AddColumn(h);
            foreach (var l in r.Latency)
                table.AddRow(l.Shape, $"{l.Parameters:N0}", F(l.SnapshotMegabytes, 1), F(l.MedianPublishSeconds, 2), F(l.MedianLatencySeconds, 2),
                    string.Join(" ", l.LatencySeconds.Select(x => F(x, 2))));
            AnsiConsole.Write(table);
        }
        AnsiConsole.MarkupLine($"[grey]{NoCounterpart}[/]");
    }

    public static string Json(ClusterBenchResult r) => new JsonObject
    {
        ["cores"] = r.Cores,
        ["throughput"] = new JsonArray([.. r.Throughput.Select(t => (JsonNode)new JsonObject
        {
            ["rollout_silos"] = t.RolloutSilos, ["window_s"] = t.WindowSeconds, ["pairs_judged"] = t.PairsJudged, ["pairs_judged_per_min"] = t.PairsJudgedPerMinute,
            ["snapshots"] = t.Snapshots, ["snapshots_per_hour"] = t.SnapshotsPerHour,
            ["cpu"] = new JsonObject(t.Cpu.Select(c => KeyValuePair.Create(c.Role, (JsonNode?)new JsonObject
            {
                ["processes"] = c.Processes, ["cpu_s"] = c.CpuSeconds, ["machine_share"] = c.MachineShare,
            }))),
        })]),
        ["publish_latency"] = new JsonArray([.. r.Latency.Select(l => (JsonNode)new JsonObject
        {
            ["shape"] = l.Shape, ["parameters"] = l.Parameters, ["snapshot_mb"] = l.SnapshotMegabytes, ["rollout_silos"] = l.RolloutSilos,
            ["publish_s"] = new JsonArray([.. l.PublishSeconds.Select(x => (JsonNode)x)]), ["latency_s"] = new JsonArray([.. l.LatencySeconds.Select(x => (JsonNode)x)]),
            ["median_publish_s"] = l.MedianPublishSeconds, ["median_latency_s"] = l.MedianLatencySeconds,
        })]),
        ["pytorch"] = NoCounterpart,
    }.ToJsonString(new JsonSerializerOptions { WriteIndented = true });

    private static string F(double x, int digits) => x.ToString("F" + digits.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
}
