using System.Diagnostics;
using Fpo.Models.Optimization;
using Fpo.Sae;
using Fpo.Tensors;

namespace Fpo.Silo.Bench;

/// <summary>
/// One TopK SAE training step — dense encoder GEMM, TopK, sparse decoder, SAELens MSE, sparse backward, Adam — and the
/// encoder alone, timed in our engine and, with bench/sae_torch.py, written densely in PyTorch on the same shape and
/// thread count. Neither side has dead latents, so AuxK is off in both. The median step after a warm-up counts.
/// </summary>
public static class SaeBenchmark
{
    public static SaeBenchResult Run(int dIn, int dSae, int k, int batch, int threads, int steps)
    {
        var (fpoStep, fpoEncode, fpoLoss) = MeasureFpo(dIn, dSae, k, batch, threads, steps);
        var torch = TorchScript.Run("sae_torch.py",
            ["--d-in", $"{dIn}", "--d-sae", $"{dSae}", "--k", $"{k}", "--batch", $"{batch}", "--threads", $"{threads}", "--steps", $"{steps}"],
            TimeSpan.FromMinutes(20));
        return new SaeBenchResult(dIn, dSae, k, batch, threads, fpoStep, torch.GetProperty("step_seconds_median").GetDouble(),
            fpoEncode, torch.GetProperty("encode_seconds_median").GetDouble(), fpoLoss, (float)torch.GetProperty("loss").GetDouble());
    }

    public static (double StepSeconds, double EncodeSeconds, float Loss) MeasureFpo(int dIn, int dSae, int k, int batch, int threads, int steps)
    {
        var saved = ComputeThreads.Count;
        ComputeThreads.Count = threads;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        try
        {
            var config = new SaeConfig { Architecture = SaeArchitecture.TopK, InputSize = dIn, Latents = dSae, K = k };
            var weights = new SaeWeights(config);
            var random = new Random(0);
            // The usual TopK initialisation: decoder rows of norm 0.1, W_enc = W_decᵀ (one row per latent in both).
            for (var j = 0; j < dSae; j++)
            {
                var row = weights.DecoderWeight.AsSpan(j * dIn, dIn);
                for (var d = 0; d < dIn; d++) row[d] = Gaussian(random);
                var scale = 0.1f / System.Numerics.Tensors.TensorPrimitives.Norm(row);
                System.Numerics.Tensors.TensorPrimitives.Multiply(row, scale, row);
            }
            weights.DecoderWeight.CopyTo(weights.EncoderWeight, 0);
            var x = new float[batch * dIn];  // (B,D)
            for (var i = 0; i < x.Length; i++) x[i] = Gaussian(random);

            var grads = new SaeWeights(config);
            var adam = new AdamWSettings { Beta2 = 0.999f, WeightDecay = 0 };
            var optimizers = new[] { (weights.EncoderWeight, grads.EncoderWeight), (weights.EncoderBias, grads.EncoderBias),
                (weights.DecoderWeight, grads.DecoderWeight), (weights.DecoderBias, grads.DecoderBias) }
                .Select(p => new AdamW(p.Item1, p.Item2, [new ParameterGroup(0, p.Item1.Length, false)], adam)).ToArray();
            var pass = new SaeTrainingPass(weights, new SaeLossSettings(), batch);

            float Step()
            {
                foreach (var g in new[] { grads.EncoderWeight, grads.EncoderBias, grads.DecoderWeight, grads.DecoderBias }) Array.Clear(g);
                var losses = pass.Forward(x, batch, []);
                pass.Backward(grads, []);
                foreach (var o in optimizers) o.Step(1e-4f);
                return losses.Total;
            }

            var stepSeconds = Median(steps, () => Step(), out var loss);
            var encodeSeconds = Median(steps, () => { pass.Encode(x, batch); return 0f; }, out _);
            return (stepSeconds, encodeSeconds, loss);
        }
        finally
        {
            ComputeThreads.Count = saved;
        }
    }

    private static double Median(int runs, Func<float> work, out float last)
    {
        last = work();
        var times = new double[runs];
        for (var s = 0; s < runs; s++)
        {
            var watch = Stopwatch.StartNew();
            last = work();
            times[s] = watch.Elapsed.TotalSeconds;
        }
        Array.Sort(times);
        return times[runs / 2];
    }

    private static float Gaussian(Random random) =>
        (float)(Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()));
}

/// <summary>Tokens per second of one TopK SAE training step and of encoding alone, ours (sparse) and PyTorch's (dense).</summary>
public sealed record SaeBenchResult(int DIn, int DSae, int K, int Batch, int Threads,
    double FpoStepSeconds, double TorchStepSeconds, double FpoEncodeSeconds, double TorchEncodeSeconds, float FpoLoss, float TorchLoss)
{
    public double FpoStepTokensPerSecond => Batch / FpoStepSeconds;
    public double TorchStepTokensPerSecond => Batch / TorchStepSeconds;
    public double StepRatio => TorchStepSeconds / FpoStepSeconds;
    public double FpoEncodeTokensPerSecond => Batch / FpoEncodeSeconds;
    public double TorchEncodeTokensPerSecond => Batch / TorchEncodeSeconds;
    public double EncodeRatio => TorchEncodeSeconds / FpoEncodeSeconds;
}
