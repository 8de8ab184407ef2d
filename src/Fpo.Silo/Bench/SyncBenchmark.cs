using System.Diagnostics;
using Fpo.Grains.Roles;
using Fpo.Grains.Stores;
using Fpo.Grains.Stores.Sync;
using Fpo.Models.Checkpoints;
using Fpo.Models.Optimization;
using Fpo.Models.Transformer;
using Fpo.Silo.Bench.Cluster;
using Fpo.Tensors;

namespace Fpo.Silo.Bench;

/// <summary>One dtype's snapshot costs: building and loading the full file, and the delta after one Adam step.</summary>
public sealed record SyncDTypeResult(string DType, long FileBytes, double FilesSeconds, double LoadSeconds,
    long DeltaBytes, double EncodeSeconds, double ApplySeconds)
{
    public double Ratio => (double)FileBytes / DeltaBytes;
    public double EncodeMegabytesPerSecond => FileBytes / 1e6 / EncodeSeconds;
    public double ApplyMegabytesPerSecond => FileBytes / 1e6 / ApplySeconds;
}

/// <summary>`fpo bench sync`: per dtype, and fp32 ↔ bfloat16 conversion of every weight beside PyTorch's.</summary>
public sealed record SyncBenchResult(string Shape, long Parameters, int Threads, IReadOnlyList<SyncDTypeResult> DTypes,
    double NarrowSeconds, double TorchNarrowSeconds, double WidenSeconds, double TorchWidenSeconds);

/// <summary>
/// What publishing a snapshot costs the trainer and a rollout: PolicySnapshot.Files and Load of the shape's random-init
/// policy (best of the repeats), then one AdamW step of lr 1e-4 on random gradients and the WeightDelta between the two
/// versions' files, encoded and applied. The per-value conversion is timed on its own beside torch's `.to(bfloat16)`.
/// </summary>
public static class SyncBenchmark
{
    public const float LearningRate = 1e-4f;

    public static SyncBenchResult Run(string shape, int repeats, Action<string> progress)
    {
        var policy = new TransformerModel(LatencyShapes.Config(shape), seed: 1);
        var replica = new TransformerModel(policy.Config);
        progress($"{shape}: {policy.Parameters.LongLength} parameters; snapshot files before the step");
        var before = new[] { SnapshotDType.F32, SnapshotDType.BF16 }.ToDictionary(d => d, d => PolicySnapshot.Files(policy, d)[PolicySnapshot.WeightsFile]);
        progress($"{shape}: one AdamW step of lr {LearningRate}");
        StepOnce(policy);
        var results = new List<SyncDTypeResult>();
        foreach (var dtype in before.Keys)
        {
            progress($"{shape} {dtype}: files, load, delta");
            byte[] after = [];
            var files = Best(repeats, () => after = PolicySnapshot.Files(policy, dtype)[PolicySnapshot.WeightsFile]);
            var content = new SnapshotContent(new SnapshotInfo(1, "", after.LongLength, DateTimeOffset.UtcNow, 1, 0, ""),
                new Dictionary<string, byte[]> { [PolicySnapshot.WeightsFile] = after });
            var load = Best(repeats, () => PolicySnapshot.Load(content, replica));
            byte[] delta = [];
            var encode = Best(repeats, () => delta = WeightDelta.Encode(before[dtype], after, dtype.ElementBytes()));
            var apply = Best(repeats, () => WeightDelta.Apply(before[dtype], delta));
            if (!WeightDelta.Apply(before[dtype], delta).AsSpan().SequenceEqual(after))
                throw new InvalidOperationException($"{dtype}: the delta did not rebuild the snapshot");
            results.Add(new SyncDTypeResult(dtype.ToString(), after.LongLength, files, load, delta.LongLength, encode, apply));
        }
        progress($"{shape}: fp32 <-> bfloat16 of every weight, ours and PyTorch's");
        var (narrow, widen) = Conversion(policy.Parameters, repeats);
        var torch = TorchScript.Run("sync_torch.py",
            ["--count", $"{policy.Parameters.Length}", "--threads", $"{ComputeThreads.Count}", "--repeats", $"{repeats}"], TimeSpan.FromMinutes(10));
        return new SyncBenchResult(shape, policy.Parameters.LongLength, ComputeThreads.Count, results,
            narrow, torch.GetProperty("narrow_seconds").GetDouble(), widen, torch.GetProperty("widen_seconds").GetDouble());
    }

    // The AdamW step a trainer takes between snapshots, on gradients drawn uniformly from [-0.5, 0.5).
    private static void StepOnce(TransformerModel policy)
    {
        var random = new Random(2);
        var gradients = policy.Gradients;
        for (var i = 0; i < gradients.Length; i++) gradients[i] = (float)(random.NextDouble() - 0.5);
        AdamW.For(policy, new AdamWSettings()).Step(LearningRate);
    }

    // BFloat16.FromSingle and ToSingle over every weight, split across the compute threads as torch splits its copy.
    private static (double Narrow, double Widen) Conversion(float[] weights, int repeats)
    {
        var bits = new ushort[weights.Length];
        var widened = new float[weights.Length];
        const int Grain = 1 << 16;
        var narrow = Best(repeats, () => ComputeThreads.For(weights.Length, (s, e) => BFloat16.FromSingle(weights.AsSpan(s, e - s), bits.AsSpan(s, e - s)), Grain));
        var widen = Best(repeats, () => ComputeThreads.For(weights.Length, (s, e) => BFloat16.ToSingle(bits.AsSpan(s, e - s), widened.AsSpan(s, e - s)), Grain));
        return (narrow, widen);
    }

    private static double Best(int repeats, Action work)
    {
        var best = double.MaxValue;
        for (var i = 0; i < repeats; i++)
        {
            var clock = Stopwatch.StartNew();
            work();
            best = Math.Min(best, clock.Elapsed.TotalSeconds);
        }
        return best;
    }
}
