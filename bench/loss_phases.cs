#:project ../src/Fpo.Alignment/Fpo.Alignment.csproj
#:property PublishAot=false
// Milliseconds per phase of one FPO preference step (the work `./fpo bench losses` times as a whole), median of runs:
// where FPO's extra cost over SimPO goes. Same batch as the benchmark: 8 pairs of 32 + 64 tokens, a JumpReLU SAE on
// the last block scaled so about 1% of codes fire.
// usage: dotnet run -c Release bench/loss_phases.cs -- [THREADS [SHAPE]]  (SHAPE tiny or gpt2-small; default 2 tiny)
using System.Diagnostics;
using Fpo.Alignment.Losses;
using Fpo.Alignment.Preferences;
using Fpo.Models.Transformer;
using Fpo.Sae;
using Fpo.Tensors;

ComputeThreads.Count = args.Length > 0 ? int.Parse(args[0]) : Environment.ProcessorCount;
var gpt2 = args.Length > 1 && args[1] == "gpt2-small";
int L = gpt2 ? 12 : 4, C = gpt2 ? 768 : 256, NH = gpt2 ? 12 : 4, V = gpt2 ? 50257 : 4096, F = gpt2 ? 24576 : 4096;
int B = 8, P = 32, Rsp = 64, R = 2 * B, T = P + Rsp;
Console.WriteLine($"{ComputeThreads.Count} threads, GEMM {Gemm.Default.Name}; L {L} C {C} V {V} d_sae {F}; ms per call");
var model = new TransformerModel(ModelConfig.CreateGpt2(V, T, L, C, NH), seed: 0);
var random = new Random(1);
var inputs = new int[R * T];    // (2B,T)
var targets = new int[R * T];   // (2B,T)
var lengths = new int[R];       // (2B)
for (var i = 0; i < inputs.Length; i++) inputs[i] = random.Next(1, V);
for (var r = 0; r < R; r++)
{
    lengths[r] = Rsp;
    for (var t = 0; t < T; t++) targets[r * T + t] = t >= P - 1 && t < T - 1 ? inputs[r * T + t + 1] : -1;
}
model.Forward(inputs, R, T);
var resid = model.ResidualPost(L - 1);
double sq = 0;
foreach (var x in resid) sq += x * x;
var sae = new SaeWeights(new SaeConfig { Architecture = SaeArchitecture.JumpReLU, InputSize = C, Latents = F, Layer = L - 1 });
for (var i = 0; i < sae.EncoderWeight.Length; i++) sae.EncoderWeight[i] = (float)((random.NextDouble() * 2 - 1) * Math.Sqrt(3) / Math.Sqrt(sq / resid.Length * C));
Array.Fill(sae.Threshold, 2.326f);
var reference = Enumerable.Range(0, R).Select(_ =>
{
    var latents = Enumerable.Range(0, F).OrderBy(_ => random.Next()).Take(200).Order().ToArray();
    return new SparseFeatures(latents, [.. latents.Select(_ => (float)random.NextDouble())]);
}).ToArray();

var logProbs = new SequenceLogProbs();
var divergence = new FeatureDivergence(sae, 50, false);
var pooling = new FeaturePooling(sae);
float[] sum = new float[R], mean = new float[R], d = new float[R], dd = new float[R], cbar = new float[R * F], dresid = new float[R * T * C];
for (var r = B; r < R; r++) dd[r] = -0.01f;

void Time(string name, Action work, int runs = 5)
{
    work();
    var times = new double[runs];
    for (var i = 0; i < runs; i++)
    {
        var w = Stopwatch.StartNew();
        work();
        times[i] = w.Elapsed.TotalMilliseconds;
    }
    Array.Sort(times);
    Console.WriteLine($"{name,-44} {times[runs / 2],9:F1}");
}

Time("policy forward", () => model.Forward(inputs, R, T));
Time("log-probs forward (softmax over V)", () => logProbs.Forward(sum, mean, model.Probs, model.Logits, targets, lengths, R, T, V));
Time("log-probs backward", () => logProbs.Backward(model.DLogits, sum, mean, model.Probs, targets, lengths, R, T, V));
Time("policy backward", () => { model.ZeroGrad(); model.Backward(); });
Time("FPO: SAE encode + pool (FeaturePooling)", () => pooling.Forward(cbar, model.ResidualPost(L - 1), targets, lengths, R, T));
Time("FPO: encode + pool + I_k + D_fpo", () => divergence.Forward(d, model.ResidualPost(L - 1), reference, targets, lengths, R, T));
Time("FPO: feature backward into resid_post", () => divergence.Backward(dresid, dd, lengths, R));
Time("FPO: add resid gradient", () => model.AddResidualGradient(L - 1, dresid));
Console.WriteLine($"active codes {pooling.ActiveCodes} of {R * Rsp * (long)F} ({pooling.ActiveCodes / (double)(R * Rsp * (long)F):P2})");
