#:project ../src/Fpo.Sae/Fpo.Sae.csproj
#:property PublishAot=false
// Milliseconds per phase of one TopK SAE training step (the work `./fpo bench sae` times as a whole), median of runs.
// usage: dotnet run -c Release bench/sae_phases.cs -- [THREADS [BATCH [D_SAE [K [D_IN]]]]]  (default 2 4096 24576 32 768)
using System.Diagnostics;
using Fpo.Models.Optimization;
using Fpo.Sae;
using Fpo.Tensors;

ComputeThreads.Count = args.Length > 0 ? int.Parse(args[0]) : Environment.ProcessorCount;
int B = args.Length > 1 ? int.Parse(args[1]) : 4096, F = args.Length > 2 ? int.Parse(args[2]) : 24576;
int K = args.Length > 3 ? int.Parse(args[3]) : 32, D = args.Length > 4 ? int.Parse(args[4]) : 768;
Console.WriteLine($"{ComputeThreads.Count} threads, GEMM {Gemm.Default.Name}; B {B}, d_in {D}, d_sae {F}, k {K}; ms per call");
var rng = new Random(1);
float[] Rand(long n, float scale) { var x = new float[n]; for (var i = 0; i < n; i++) x[i] = (float)(rng.NextDouble() * 2 - 1) * scale; return x; }
var config = new SaeConfig { Architecture = SaeArchitecture.TopK, InputSize = D, Latents = F, K = K };
var w = new SaeWeights(config);
Rand((long)F * D, 0.05f).CopyTo(w.EncoderWeight, 0);
Rand((long)F * D, 0.05f).CopyTo(w.DecoderWeight, 0);
var x = Rand((long)B * D, 1f);                       // (B,D)
var xin = new float[B * D];                          // (B,D)
var pre = new float[(long)B * F];                    // (B,F)
var xhat = new float[B * D];                         // (B,D)
var dxhat = Rand((long)B * D, 0.01f);                // (B,D)
var codes = new SparseCodes();
var columns = new LatentColumns();
var g = new SaeWeights(config);
var dcodes = new float[B * K];                       // (nnz)
var dx = new float[B * D];                           // (B,D)

Time("encoder GEMM", () => SaeEncoder.Forward(pre, xin, x, w.EncoderWeight, w.EncoderBias, w.DecoderBias, true, B, D, F));
Time("topk", () => TopKActivation.Forward(codes, pre, K, B, F));
Time("batchtopk", () => BatchTopKActivation.Forward(codes, pre, K, B, F));
TopKActivation.Forward(codes, pre, K, B, F);
Time("sparse decode", () => SparseDecoder.Forward(xhat, codes, w.DecoderWeight, w.DecoderBias, B, D));
Time("latent columns", () => columns.Build(codes, F));
Time("decoder backward", () => SparseDecoder.Backward(dcodes, g.DecoderWeight, g.DecoderBias, dxhat, codes, columns, w.DecoderWeight, B, D, F));
Time("encoder backward, no dx", () => SaeEncoder.Backward([], g.EncoderWeight, g.EncoderBias, g.DecoderBias, dcodes, codes, columns, xin, w.EncoderWeight, true, B, D, F));
Time("encoder backward + dx", () => SaeEncoder.Backward(dx, g.EncoderWeight, g.EncoderBias, g.DecoderBias, dcodes, codes, columns, xin, w.EncoderWeight, true, B, D, F));
Time("zero W_enc and W_dec grads", () => { Array.Clear(g.EncoderWeight); Array.Clear(g.DecoderWeight); });
var adam = new[] { (w.EncoderWeight, g.EncoderWeight), (w.DecoderWeight, g.DecoderWeight) }
    .Select(p => new AdamW(p.Item1, p.Item2, [new ParameterGroup(0, p.Item1.Length, false)], new AdamWSettings { WeightDecay = 0 })).ToArray();
Time("Adam on W_enc and W_dec", () => { foreach (var o in adam) o.Step(1e-4f); });

static void Time(string name, Action work)
{
    work();
    var times = new double[5];
    for (var i = 0; i < times.Length; i++)
    {
        var watch = Stopwatch.StartNew();
        work();
        times[i] = watch.Elapsed.TotalMilliseconds;
    }
    Array.Sort(times);
    Console.WriteLine($"{name,-30} {times[2],10:F2}");
}
