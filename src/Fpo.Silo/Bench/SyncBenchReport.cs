using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Spectre.Console;

namespace Fpo.Silo.Bench;

/// <summary>Prints `fpo bench sync` as tables or JSON; MB are 10^6 bytes of the full snapshot file.</summary>
public static class SyncBenchReport
{
    public static void Print(SyncBenchResult r)
    {
        var table = new Table().Title($"snapshot sync, {r.Shape} ({r.Parameters} parameters), {r.Threads} threads, delta after one AdamW step of lr {SyncBenchmark.LearningRate}");
        foreach (var h in new[] { "dtype", "file MB", "Files s", "Load s", "delta MB", "ratio", "encode MB/s", "apply MB/s" }) table.AddColumn(h);
        foreach (var d in r.DTypes)
            table.AddRow(d.DType, F(d.FileBytes / 1e6, 1), F(d.FilesSeconds, 3), F(d.LoadSeconds, 3), F(d.DeltaBytes / 1e6, 1),
                F(d.Ratio, 2) + "x", F(d.EncodeMegabytesPerSecond, 0), F(d.ApplyMegabytesPerSecond, 0));
        AnsiConsole.Write(table);
        var conversion = new Table().Title("fp32 <-> bfloat16 of every weight");
        foreach (var h in new[] { "work", "fpo s", "pytorch s", "ratio (pytorch / fpo)" }) conversion.AddColumn(h);
        conversion.AddRow("narrow (round to nearest even)", F(r.NarrowSeconds, 3), F(r.TorchNarrowSeconds, 3), F(r.TorchNarrowSeconds / r.NarrowSeconds, 2) + "x");
        conversion.AddRow("widen (exact)", F(r.WidenSeconds, 3), F(r.TorchWidenSeconds, 3), F(r.TorchWidenSeconds / r.WidenSeconds, 2) + "x");
        AnsiConsole.Write(conversion);
    }

    public static string Json(SyncBenchResult r) => new JsonObject
    {
        ["shape"] = r.Shape, ["parameters"] = r.Parameters, ["threads"] = r.Threads, ["learning_rate"] = SyncBenchmark.LearningRate,
        ["dtypes"] = new JsonArray([.. r.DTypes.Select(d => (JsonNode)new JsonObject
        {
            ["dtype"] = d.DType, ["file_bytes"] = d.FileBytes, ["files_s"] = d.FilesSeconds, ["load_s"] = d.LoadSeconds,
            ["delta_bytes"] = d.DeltaBytes, ["ratio"] = d.Ratio, ["encode_s"] = d.EncodeSeconds, ["apply_s"] = d.ApplySeconds,
            ["encode_mb_per_s"] = d.EncodeMegabytesPerSecond, ["apply_mb_per_s"] = d.ApplyMegabytesPerSecond,
        })]),
        ["fpo_narrow_s"] = r.NarrowSeconds, ["pytorch_narrow_s"] = r.TorchNarrowSeconds,
        ["fpo_widen_s"] = r.WidenSeconds, ["pytorch_widen_s"] = r.TorchWidenSeconds,
    }.ToJsonString(new JsonSerializerOptions { WriteIndented = true });

    private static string F(double value, int decimals) => value.ToString("F" + decimals, CultureInfo.InvariantCulture);
}
