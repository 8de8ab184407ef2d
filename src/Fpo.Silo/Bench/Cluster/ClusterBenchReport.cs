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
            var table = new Table().Title($"Orleans silos on this machine ({r.Cores} cores): tiny task, 1 trainer + N rollout + 1 reference + 1 judge silo, N rollout partitions");
            foreach (var h in new[] { "rollout silos", "with rollout grains", "window s", "pairs judged/min", "snapshots/h" }.Concat(Roles.Select(role => $"CPU {role}"))
                .Append("snapshot to every rollout s (median, max)")) table.AddColumn(h);
            foreach (var t in r.Throughput)
                table.AddRow([$"{t.RolloutSilos}", $"{t.SilosWithRolloutGrains}", F(t.WindowSeconds, 0), F(t.PairsJudgedPerMinute, 1), F(t.SnapshotsPerHour, 0),
                    .. Roles.Select(role => t.Cpu.FirstOrDefault(c => c.Role == role) is { } c ? $"{c.MachineShare:P0} ({F(c.CpuSeconds, 0)} s)" : "-"),
                    $"{F(t.MedianServingLagSeconds, 2)}, {F(t.MaxServingLagSeconds, 2)}"]);
            AnsiConsole.Write(table);
            AnsiConsole.MarkupLine("[grey]CPU: each role's share of the machine's cores over the window (CPU seconds from /proc/PID/stat in brackets). " +
                "Snapshot to every rollout: per snapshot the trainer published in the window, its commit to the last rollout grain serving it or a newer one (a batch in progress finishes first).[/]");
        }
        if (r.Latency.Count > 0)
        {
            var table = new Table().Title("publish to serving: the trainer serializing a snapshot to the last idle rollout grain journaling that it serves it");
            foreach (var h in new[] { "shape", "sync", "parameters", "snapshot MB", "stored MB", "moved MB", "rollout grains (silos)", "publish s (median)",
                         "to serving s (median)", "to serving s (each)", "file copy s", "to serving / file copy", "cold read s" })
                table.AddColumn(h);
            foreach (var l in r.Latency)
                table.AddRow(l.Shape, l.Sync, $"{l.Parameters:N0}", F(l.SnapshotMegabytes, 1), F(l.MedianStoredMegabytes, 1), F(l.MedianMovedMegabytes, 1),
                    $"{l.RolloutGrains} ({l.RolloutSilos})", F(l.MedianPublishSeconds, 2), F(l.MedianLatencySeconds, 2), string.Join(" ", l.LatencySeconds.Select(x => F(x, 2))),
                    F(l.MedianFileCopySeconds, 2), F(l.MedianLatencySeconds / l.MedianFileCopySeconds, 1) + "x", F(l.ReadSeconds, 2));
            AnsiConsole.Write(table);
            AnsiConsole.MarkupLine("[grey]sync: the store (postgres: bytea chunks; blob: Azurite), the dtype, and -delta: versions between full ones as compressed deltas. " +
                "stored: what one snapshot occupies in the store; moved: stored x (1 writer + each rollout silo reading it). file copy: the same bytes written to a local file " +
                "and read back once per rollout silo, the floor under any store. cold read: a process holding nothing reads the last snapshot (with its delta chain).[/]");
        }
        if (r.Failovers.Count > 0)
        {
            var table = new Table().Title("failover: SIGKILL the silo hosting the grain, the survivors carry on");
            foreach (var h in new[] { "grain", "killed silo", "reactivated on another silo s", "next snapshot s" }) table.AddColumn(h);
            foreach (var f in r.Failovers) table.AddRow(f.Role, f.Killed, F(f.ReactivatedSeconds, 1), F(f.NextSnapshotSeconds, 1));
            AnsiConsole.Write(table);
            AnsiConsole.MarkupLine($"[grey]membership: {Markup.Escape(string.Join(", ", r.Membership.Select(m => $"{m.Key} {m.Value}")))}[/]");
        }
        AnsiConsole.MarkupLine($"[grey]{NoCounterpart}[/]");
    }

    public static string Json(ClusterBenchResult r) => new JsonObject
    {
        ["cores"] = r.Cores,
        ["throughput"] = new JsonArray([.. r.Throughput.Select(t => (JsonNode)new JsonObject
        {
            ["rollout_silos"] = t.RolloutSilos, ["window_s"] = t.WindowSeconds, ["pairs_judged"] = t.PairsJudged, ["pairs_judged_per_min"] = t.PairsJudgedPerMinute,
            ["snapshots"] = t.Snapshots, ["snapshots_per_hour"] = t.SnapshotsPerHour, ["silos_with_rollout_grains"] = t.SilosWithRolloutGrains,
            ["snapshot_to_every_rollout_s"] = new JsonArray([.. t.ServingLagSeconds.Select(x => (JsonNode)x)]),
            ["cpu"] = new JsonObject(t.Cpu.Select(c => KeyValuePair.Create(c.Role, (JsonNode?)new JsonObject
            {
                ["processes"] = c.Processes, ["cpu_s"] = c.CpuSeconds, ["machine_share"] = c.MachineShare,
            }))),
        })]),
        ["publish_latency"] = new JsonArray([.. r.Latency.Select(l => (JsonNode)new JsonObject
        {
            ["shape"] = l.Shape, ["sync"] = l.Sync, ["parameters"] = l.Parameters, ["snapshot_mb"] = l.SnapshotMegabytes, ["rollout_silos"] = l.RolloutSilos, ["rollout_grains"] = l.RolloutGrains,
            ["read_s"] = l.ReadSeconds,
            ["publish_s"] = new JsonArray([.. l.PublishSeconds.Select(x => (JsonNode)x)]), ["latency_s"] = new JsonArray([.. l.LatencySeconds.Select(x => (JsonNode)x)]),
            ["median_publish_s"] = l.MedianPublishSeconds, ["median_latency_s"] = l.MedianLatencySeconds,
            ["stored_mb"] = new JsonArray([.. l.StoredMegabytes.Select(x => (JsonNode)x)]), ["median_stored_mb"] = l.MedianStoredMegabytes,
            ["median_moved_mb"] = l.MedianMovedMegabytes, ["file_copy_s"] = new JsonArray([.. l.FileCopySeconds.Select(x => (JsonNode)x)]),
            ["median_file_copy_s"] = l.MedianFileCopySeconds,
        })]),
        ["failover"] = new JsonArray([.. r.Failovers.Select(f => (JsonNode)new JsonObject
        {
            ["grain"] = f.Role, ["killed"] = f.Killed, ["reactivated_s"] = f.ReactivatedSeconds, ["next_snapshot_s"] = f.NextSnapshotSeconds,
        })]),
        ["membership"] = new JsonObject(r.Membership.Select(m => KeyValuePair.Create(m.Key, (JsonNode?)m.Value))),
        ["pytorch"] = NoCounterpart,
    }.ToJsonString(new JsonSerializerOptions { WriteIndented = true });

    private static string F(double x, int digits) => x.ToString("F" + digits.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
}
