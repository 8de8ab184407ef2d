using System.Diagnostics;
using System.Reflection;
using System.Text.Json;
using Fpo.Alignment.Batching;
using Fpo.Alignment.Losses;
using Fpo.Alignment.Preferences;
using Fpo.Alignment.Training;
using Fpo.Models.Optimization;
using Fpo.Models.Transformer;
using Fpo.Sae;
using Fpo.Tensors;

namespace Fpo.Silo.Bench;

/// <summary>
/// One preference training step — forward, the method's loss, backward, clip, AdamW — per method, in our engine and,
/// with bench/losses_torch.py, in PyTorch on the same batch shape, SAE and thread count. Each method of each engine
/// runs in a fresh process (ours: `fpo bench losses --child`), so its peak resident set size (VmHWM: managed heap,
/// native buffers and the runtime alike, the same measure as PyTorch's ru_maxrss) is that method's alone. The median
/// step after one warm-up counts. The reference data each method reads is random of the right shape: its values do not
/// change the cost. TDPO2 runs a second, frozen model forward every step.
/// </summary>
public static class LossBenchmark
{
    public static readonly string[] Methods = ["fpo", "simpo", "dpo", "tdpo2"];

    public static LossBenchResult Run(LossBenchShape shape, string method, int threads, int steps)
    {
        var ours = OursInChild(shape, method, threads, steps);
        var torch = TorchScript.Run("losses_torch.py", [.. shape.TorchArguments(), "--method", method, "--threads", $"{threads}", "--steps", $"{steps}"],
            TimeSpan.FromMinutes(30));
        return new LossBenchResult(shape.Name, method, threads, ours,
            new LossMeasurement(torch.GetProperty("step_seconds_median").GetDouble(), torch.GetProperty("step_seconds_best").GetDouble(),
                (float)torch.GetProperty("loss").GetDouble(), torch.GetProperty("peak_rss_bytes").GetInt64(), torch.GetProperty("baseline_rss_bytes").GetInt64(),
                method == "fpo" ? torch.GetProperty("active_latent_fraction").GetDouble() : null),
            ReferenceDataSize.BytesPerPair(method, shape));
    }

    /// <summary>Our side in this process: what `fpo bench losses --child` runs and prints.</summary>
    public static LossMeasurement Measure(LossBenchShape shape, string method, int threads, int steps)
    {
        using var self = Process.GetCurrentProcess();
        var baseline = self.WorkingSet64;
        ComputeThreads.Count = threads;
        var loss = PreferenceLossSettings.Default(method);
        var setup = new Setup(shape, [loss]);
        var step = setup.StepOf(loss);
        var last = setup.Step(step);
        var times = new double[steps];
        for (var s = 0; s < steps; s++)
        {
            var watch = Stopwatch.StartNew();
            last = setup.Step(step);
            times[s] = watch.Elapsed.TotalSeconds;
        }
        Array.Sort(times);
        self.Refresh();
        double? active = setup.Sae is null ? null : ActiveFraction(setup.Policy, setup.Sae, setup.Batch);
        return new LossMeasurement(times[steps / 2], times[0], last, self.PeakWorkingSet64, baseline, active);
    }

    /// <summary>
    /// Step times of several methods on one policy and batch in this process, one step of each per round, the order
    /// rotating every round: a neighbour's load that comes and goes lands on all methods alike, so the per-round ratios
    /// hold where separate runs minutes apart do not. Returns each method's times, one per round.
    /// </summary>
    public static Dictionary<string, double[]> Interleaved(LossBenchShape shape, IReadOnlyList<string> methods, int threads, int rounds)
    {
        ComputeThreads.Count = threads;
        var losses = methods.Select(PreferenceLossSettings.Default).ToList();
        var setup = new Setup(shape, losses);
        var steps = losses.Select(setup.StepOf).ToList();
        foreach (var step in steps) setup.Step(step);
        var times = methods.ToDictionary(m => m, _ => new double[rounds]);
        for (var round = 0; round < rounds; round++)
            for (var j = 0; j < steps.Count; j++)
            {
                var i = (j + round) % steps.Count;
                var watch = Stopwatch.StartNew();
                setup.Step(steps[i]);
                times[methods[i]][round] = watch.Elapsed.TotalSeconds;
            }
        return times;
    }

    // The policy, batch, and the SAE and reference model when one of the losses reads them; a learning rate of 1e-6
    // keeps the policy where it is.
    private sealed class Setup
    {
        public Setup(LossBenchShape shape, IReadOnlyList<PreferenceLossSettings> losses)
        {
            var features = losses.Any(l => l is FpoSettings);
            var reference = losses.Any(NeedsReference);
            var config = ModelConfig.CreateGpt2(shape.Vocab, LossBenchShape.Prompt + LossBenchShape.Response, shape.Layers, shape.Channels, shape.Heads);
            Policy = new TransformerModel(config, seed: 0);
            Optimizer = AdamW.For(Policy, new AdamWSettings { Beta2 = 0.95f, WeightDecay = 0 });
            Batch = PreferenceBatch.Create(Pairs(shape, features), config.MaxPositions);
            Sae = features ? JumpReluSae(shape, Policy, Batch) : null;
            Reference = reference ? new TransformerModel(config, seed: 1) : null;
        }

        public TransformerModel Policy { get; }
        public AdamW Optimizer { get; }
        public PreferenceBatch Batch { get; }
        public SaeWeights? Sae { get; }
        public TransformerModel? Reference { get; }

        public PreferenceStep StepOf(PreferenceLossSettings loss) =>
            new(Policy, loss, NeedsReference(loss) ? Reference : null, loss is FpoSettings ? Sae : null);

        private static bool NeedsReference(PreferenceLossSettings loss) => loss is Tdpo1Settings or Tdpo2Settings;

        public float Step(PreferenceStep step)
        {
            Policy.ZeroGrad();
            var m = step.Run(Batch);
            Optimizer.Step(1e-6f, GradientClipping.ClipScale(GradientClipping.GlobalNorm(Policy.Gradients), 1f));
            return m.Loss;
        }
    }

    public static string ChildJson(LossMeasurement m) => JsonSerializer.Serialize(new
    {
        step_seconds_median = m.StepSeconds, step_seconds_best = m.BestSeconds, loss = m.Loss, peak_rss_bytes = m.PeakRssBytes, baseline_rss_bytes = m.BaselineRssBytes,
        active_latent_fraction = m.ActiveLatentFraction,
    });

    private static LossMeasurement OursInChild(LossBenchShape shape, string method, int threads, int steps)
    {
        // Under `dotnet fpo.dll` the process is the dotnet host and the entry assembly is the CLI to run again.
        var host = Environment.ProcessPath ?? throw new InvalidOperationException("cannot tell which executable this process runs");
        var start = new ProcessStartInfo(host);
        if (Path.GetFileNameWithoutExtension(host) == "dotnet") start.ArgumentList.Add(Assembly.GetEntryAssembly()!.Location);
        foreach (var a in new[] { "bench", "losses", "--child", method, "--shapes", shape.Name, "--steps", $"{steps}", "--threads", $"{threads}" })
            start.ArgumentList.Add(a);
        var r = TorchScript.LastJsonLine(start, $"bench losses --child {method} --shapes {shape.Name}", TimeSpan.FromMinutes(30));
        var active = r.GetProperty("active_latent_fraction");
        return new LossMeasurement(r.GetProperty("step_seconds_median").GetDouble(), r.GetProperty("step_seconds_best").GetDouble(), r.GetProperty("loss").GetSingle(),
            r.GetProperty("peak_rss_bytes").GetInt64(), r.GetProperty("baseline_rss_bytes").GetInt64(),
            active.ValueKind == JsonValueKind.Null ? null : active.GetDouble());
    }

    // As the PyTorch script: W_enc ~ N(0, 1/(C·rms²)) with rms that of the policy's resid_post over the response
    // positions, b_enc = b_dec = 0, and a threshold at the 99th percentile of N(0, 1): about 1% of the codes fire, as in
    // a trained SAE, in both engines whatever their initial weights.
    private static SaeWeights JumpReluSae(LossBenchShape shape, TransformerModel policy, PreferenceBatch batch)
    {
        var config = new SaeConfig { Architecture = SaeArchitecture.JumpReLU, InputSize = shape.Channels, Latents = shape.SaeLatents, Layer = shape.Layers - 1 };
        policy.Forward(batch.Inputs, batch.Rows, batch.T);
        var resid = policy.ResidualPost(config.Layer);
        int C = shape.Channels, count = 0;
        double sq = 0;
        for (var n = 0; n < batch.Rows * batch.T; n++)
        {
            if (batch.Targets[n] < 0) continue;
            var x = resid.Slice(n * C, C);
            sq += System.Numerics.Tensors.TensorPrimitives.Dot(x, x);
            count += C;
        }
        var sae = new SaeWeights(config);
        var random = new Random(0);
        var scale = (float)(1 / (Math.Sqrt(C) * Math.Sqrt(sq / count)));
        for (var i = 0; i < sae.EncoderWeight.Length; i++) sae.EncoderWeight[i] = Gaussian(random) * scale;
        Array.Fill(sae.Threshold, 2.326f);
        return sae;
    }

    // Random tokens, random reference log-probs, and (FPO) the default number of kept reference latents per response.
    private static List<PreferencePair> Pairs(LossBenchShape shape, bool features)
    {
        var random = new Random(1);
        int[] Tokens(int n) => [.. Enumerable.Range(0, n).Select(_ => random.Next(1, shape.Vocab))];
        SparseFeatures Features()
        {
            var latents = Enumerable.Range(0, shape.SaeLatents).OrderBy(_ => random.Next()).Take(ReferenceComputation.DefaultKeepLatents).Order().ToArray();
            return new SparseFeatures(latents, [.. latents.Select(_ => (float)random.NextDouble())]);
        }
        return [.. Enumerable.Range(0, LossBenchShape.Pairs).Select(i => new PreferencePair
        {
            Id = $"bench-{i}", Prompt = "", Chosen = "", Rejected = "",
            PromptTokens = Tokens(LossBenchShape.Prompt), ChosenTokens = Tokens(LossBenchShape.Response), RejectedTokens = Tokens(LossBenchShape.Response),
            Reference = new ReferenceData
            {
                ChosenLogProbSum = -50 - random.NextDouble(), RejectedLogProbSum = -50 - random.NextDouble(),
                ChosenLogProbMean = -1 - random.NextDouble(), RejectedLogProbMean = -1 - random.NextDouble(),
                ChosenFeatures = features ? Features() : null, RejectedFeatures = features ? Features() : null,
                SaeLayer = features ? shape.Layers - 1 : null,
            },
        })];
    }

    // The share of (response token, latent) codes the SAE's threshold lets through on the last batch: the sparse
    // pooling and backward cost grow with it.
    private static double ActiveFraction(TransformerModel policy, SaeWeights sae, PreferenceBatch batch)
    {
        var pooling = new FeaturePooling(sae);
        var F = sae.Config.Latents;
        var cbar = new float[batch.Rows * F];  // (2B,F)
        pooling.Forward(cbar, policy.ResidualPost(sae.Config.Layer), batch.Targets, batch.ResponseLengths, batch.Rows, batch.T);
        return (double)pooling.ActiveCodes / ((long)batch.Rows * LossBenchShape.Response * F);
    }

    private static float Gaussian(Random random) =>
        (float)(Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()));
}

/// <summary>One engine's median and best step time, last loss and memory for one method; ActiveLatentFraction only for FPO.</summary>
public sealed record LossMeasurement(double StepSeconds, double BestSeconds, float Loss, long PeakRssBytes, long BaselineRssBytes, double? ActiveLatentFraction);

/// <summary>Both engines' measurements of one method on one shape, and the reference data that method needs per pair.</summary>
public sealed record LossBenchResult(string Shape, string Method, int Threads, LossMeasurement Ours, LossMeasurement Torch, long ReferenceBytesPerPair)
{
    /// <summary>PyTorch's step time over ours: above 1 means we are faster.</summary>
    public double SpeedRatio => Torch.StepSeconds / Ours.StepSeconds;
    public double MemoryRatio => (double)Ours.PeakRssBytes / Torch.PeakRssBytes;
}
