#:project ../src/Fpo.Sae/Fpo.Sae.csproj
#:property PublishAot=false
// Where the dense decoder path beats the sparse one: milliseconds of one ReLU SAE training step (Forward + Backward of
// SaeTrainingPass, dx included) with DecoderPath forced Sparse and Dense, at code densities set by shifting b_enc to a
// quantile of the pre-activations. Median of 3 runs after a warm-up.
// usage: dotnet run -c Release bench/sae_dense_crossover.cs -- [THREADS [BATCH [D_SAE [D_IN [DENSITY ...]]]]]
//        (default 2 1024 24576 768 0.005 0.01 0.02 0.05 0.1 0.2 0.5)
using System.Diagnostics;
using Fpo.Sae;
using Fpo.Tensors;

ComputeThreads.Count = args.Length > 0 ? int.Parse(args[0]) : Environment.ProcessorCount;
int B = args.Length > 1 ? int.Parse(args[1]) : 1024, F = args.Length > 2 ? int.Parse(args[2]) : 24576, D = args.Length > 3 ? int.Parse(args[3]) : 768;
double[] densities = args.Length > 4 ? args[4..].Select(double.Parse).ToArray() : [0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5];
Console.WriteLine($"{ComputeThreads.Count} threads, GEMM {Gemm.Default.Name}; ReLU SAE, B {B}, d_in {D}, d_sae {F}; ms per Forward+Backward");
var rng = new Random(1);
var w = new SaeWeights(new SaeConfig { Architecture = SaeArchitecture.ReLU, InputSize = D, Latents = F });
for (var i = 0; i < w.EncoderWeight.Length; i++) w.EncoderWeight[i] = (float)(rng.NextDouble() * 2 - 1) * 0.05f;
for (var i = 0; i < w.DecoderWeight.Length; i++) w.DecoderWeight[i] = (float)(rng.NextDouble() * 2 - 1) * 0.05f;
var x = new float[B * D];  // (B,D)
for (var i = 0; i < x.Length; i++) x[i] = (float)(rng.NextDouble() * 2 - 1);
var grads = new SaeWeights(w.Config);
var dx = new float[B * D];  // (B,D)
var pass = new SaeTrainingPass(w, new SaeLossSettings(), B);
pass.Encode(x, B);
var sample = pass.PreActivations.Take(B * F).Where((_, i) => i % 97 == 0).Order().ToArray();
Console.WriteLine($"{"density",8} {"measured",9} {"sparse ms",10} {"dense ms",10} {"dense/sparse",13}");
foreach (var density in densities)
{
    var cut = sample[(int)((1 - density) * (sample.Length - 1))];
    Array.Fill(w.EncoderBias, -cut);
    var sparse = Time(SaeDecoderPath.Sparse);
    var measured = (double)pass.Codes.Count / ((long)B * F);
    var dense = Time(SaeDecoderPath.Dense);
    Console.WriteLine($"{density,8:G3} {measured,9:F4} {sparse,10:F1} {dense,10:F1} {dense / sparse,13:F2}");
}

double Time(SaeDecoderPath path)
{
    pass.DecoderPath = path;
    var times = new double[4];
    for (var i = 0; i < times.Length; i++)
    {
        var watch = Stopwatch.StartNew();
        pass.Forward(x, B, []);
        pass.Backward(grads, dx);
        times[i] = watch.Elapsed.TotalMilliseconds;
    }
    Array.Sort(times, 1, 3);
    return times[2];
}
