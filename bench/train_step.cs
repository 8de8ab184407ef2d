#:project ../src/Fpo.Models/Fpo.Models.csproj
#:property PublishAot=false
// Milliseconds and tokens/s of one training step (forward + cross-entropy + backward + clipping + AdamW) of our
// engine at the GPT-2-small (L=12,C=768,NH=12,V=50257,B=4,T=64) and tiny (L=4,C=256,NH=4,V=4096,B=16,T=128)
// shapes, with the time split into its phases (for profiling). The side-by-side comparison with PyTorch is
// `./fpo bench engine`, which runs bench/train_step_torch.py.
// usage: dotnet run -c Release bench/train_step.cs -- [THREADS [STEPS]]   (default: all cores, 5 steps)
using System.Diagnostics;
using Fpo.Models.Optimization;
using Fpo.Models.Transformer;
using Fpo.Tensors;

ComputeThreads.Count = args.Length > 0 ? int.Parse(args[0]) : Environment.ProcessorCount;
var steps = args.Length > 1 ? int.Parse(args[1]) : 5;
Console.WriteLine($"{ComputeThreads.Count} threads, GEMM {Gemm.Default.Name}, median of {steps} steps after one warm-up step");
Run("gpt2-small", ModelConfig.CreateGpt2(50257, 1024, 12, 768, 12), B: 4, T: 64);
Run("tiny", ModelConfig.CreateGpt2(4096, 1024, 4, 256, 4), B: 16, T: 128);

void Run(string name, ModelConfig config, int B, int T)
{
    var model = new TransformerModel(config, seed: 1);
    var adam = AdamW.For(model, new AdamWSettings());
    var rng = new Random(2);
    var tokens = Enumerable.Range(0, B * T).Select(_ => rng.Next(config.VocabSize)).ToArray();
    var targets = Enumerable.Range(0, B * T).Select(_ => rng.Next(config.VocabSize)).ToArray();
    var phases = new List<double[]>();
    var sw = new Stopwatch();
    for (var step = 0; step <= steps; step++)
    {
        var t = new double[4];
        sw.Restart();
        var loss = model.ForwardLoss(tokens, targets, B, T);
        t[0] = sw.Elapsed.TotalMilliseconds;
        model.ZeroGrad();
        model.Backward();
        t[1] = sw.Elapsed.TotalMilliseconds;
        var norm = GradientClipping.GlobalNorm(model.Gradients);
        adam.Step(1e-4f, GradientClipping.ClipScale(norm, 1f));
        t[2] = sw.Elapsed.TotalMilliseconds;
        t[3] = loss;
        if (step > 0) phases.Add(t);
    }
    var median = phases.OrderBy(p => p[2]).ElementAt(phases.Count / 2);
    Console.WriteLine($"{name,-11} {median[2],8:F1} ms/step {B * T / median[2] * 1000,9:F0} tokens/s  " +
        $"(forward+loss {median[0]:F1} ms, backward {median[1] - median[0]:F1} ms, clip+AdamW {median[2] - median[1]:F1} ms; loss {median[3]:F3})");
}
