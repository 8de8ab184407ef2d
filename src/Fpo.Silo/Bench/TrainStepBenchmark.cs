using System.Diagnostics;
using Fpo.Models.Optimization;
using Fpo.Models.Transformer;
using Fpo.Tensors;

namespace Fpo.Silo.Bench;

/// <summary>
/// One GPT-2-family training step — forward, cross-entropy, backward, global-norm clip at 1.0, AdamW — timed in our
/// engine and, with bench/train_step_torch.py, in PyTorch on the same shape and thread count.
/// The median step after a warm-up counts: the first step allocates and JIT-compiles, later ones are steady state.
/// </summary>
public static class TrainStepBenchmark
{
    public static TrainStepResult Run(TrainStepShape shape, int threads, int steps)
    {
        var (fpoSeconds, fpoLoss) = MeasureFpo(shape, threads, steps);
        var torch = TorchScript.Run("train_step_torch.py",
            [.. shape.TorchArguments(), "--threads", $"{threads}", "--steps", $"{steps}"], TimeSpan.FromMinutes(10));
        return new TrainStepResult(shape.Name, threads, shape.TokensPerStep, fpoSeconds,
            torch.GetProperty("step_seconds_median").GetDouble(), fpoLoss, (float)torch.GetProperty("loss").GetDouble());
    }

    public static (double MedianSeconds, float LastLoss) MeasureFpo(TrainStepShape shape, int threads, int steps)
    {
        var saved = ComputeThreads.Count;
        ComputeThreads.Count = threads;
        // The previous shape's gigabytes of parameters and moments must not be collected during this one's timing.
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        try
        {
            var config = ModelConfig.CreateGpt2(shape.Vocab, shape.Seq, shape.Layers, shape.Channels, shape.Heads);
            var model = new TransformerModel(config, seed: 0);
            var optimizer = AdamW.For(model, new AdamWSettings());
            var random = new Random(0);
            var tokens = new int[shape.TokensPerStep];   // (B,T)
            var targets = new int[shape.TokensPerStep];  // (B,T)
            for (var i = 0; i < tokens.Length; i++)
            {
                tokens[i] = random.Next(shape.Vocab);
                targets[i] = random.Next(shape.Vocab);
            }

            float Step()
            {
                var loss = model.ForwardLoss(tokens, targets, shape.Batch, shape.Seq);
                model.ZeroGrad();
                model.Backward();
                // Clipping folded into the AdamW pass: the same update as clip-then-step, one pass fewer over the gradients.
                var norm = GradientClipping.GlobalNorm(model.Gradients);
                optimizer.Step(3e-4f, GradientClipping.ClipScale(norm, 1f));
                return loss;
            }

            var loss = Step();
            var times = new double[steps];
            for (var s = 0; s < steps; s++)
            {
                var watch = Stopwatch.StartNew();
                loss = Step();
                times[s] = watch.Elapsed.TotalSeconds;
            }
            Array.Sort(times);
            return (times[steps / 2], loss);
        }
        finally
        {
            ComputeThreads.Count = saved;
        }
    }
}
