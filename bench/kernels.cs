#:project ../src/Fpo.Tensors/Fpo.Tensors.csproj
#:property PublishAot=false
// Milliseconds per call of each non-GEMM kernel at the activation shapes of one training step of
// GPT-2-small (B=4,T=64,C=768,NH=12,V=50257) and the tiny model (B=16,T=128,C=256,NH=4,V=4096).
// usage: dotnet run -c Release bench/kernels.cs -- [THREADS [gpt2-small|tiny]]   (default: all cores, both shapes)
using System.Diagnostics;
using Fpo.Tensors;

ComputeThreads.Count = args.Length > 0 ? int.Parse(args[0]) : Environment.ProcessorCount;
Console.WriteLine($"{ComputeThreads.Count} threads, GEMM {Gemm.Default.Name}; ms per call");
var only = args.Length > 1 ? args[1] : "";
if (only is "" or "gpt2-small") Run("gpt2-small", B: 4, T: 64, C: 768, NH: 12, V: 50257);
if (only is "" or "tiny") Run("tiny", B: 16, T: 128, C: 256, NH: 4, V: 4096);

static void Run(string name, int B, int T, int C, int NH, int V)
{
    int N = B * T, HS = C / NH;
    var rng = new Random(1);
    float[] Rand(long n) { var x = new float[n]; for (var i = 0; i < n; i++) x[i] = (float)(rng.NextDouble() * 2 - 1); return x; }
    var x = Rand(N * C);                 // (N,C)
    var y = new float[N * C];            // (N,C)
    var dx = new float[N * C];           // (N,C)
    var w = Rand(C);                     // (C)
    var b = Rand(C);                     // (C)
    float[] dw = new float[C], db = new float[C], mean = new float[N], rstd = new float[N];
    var h = Rand(N * 4 * C);             // (N,4C)
    var h2 = Rand(N * 4 * C);            // (N,4C)
    var hy = new float[N * 4 * C];       // (N,4C)
    var dh = new float[N * 4 * C];       // (N,4C)
    var qkv = Rand(N * 3 * C);           // (B,T,3C)
    var dqkv = new float[N * 3 * C];     // (B,T,3C)
    var att = new float[B * NH * T * T]; // (B,NH,T,T)
    var datt = new float[B * NH * T * T];// (B,NH,T,T)
    var logits = Rand((long)N * V);      // (N,V)
    var probs = new float[N * V];        // (N,V)
    var losses = new float[N];           // (N)
    var dlosses = Enumerable.Repeat(1f / N, N).ToArray();
    var targets = Enumerable.Range(0, N).Select(i => i * 7 % V).ToArray();
    var wte = Rand((long)V * C);         // (V,C)
    var dwte = new float[V * C];         // (V,C)
    var positions = Enumerable.Range(0, N).Select(i => i % T).ToArray();
    var wpe = Rand(T * C);               // (T,C)
    var dwpe = new float[T * C];         // (T,C)
    var rope = new RopeTable(T, HS, 10000f);

    Console.WriteLine($"-- {name}: N={N} C={C} NH={NH} HS={HS} V={V}");
    Time("layernorm fwd", () => LayerNorm.Forward(y, mean, rstd, x, w, b, N, C, 1e-5f));
    Time("layernorm bwd", () => LayerNorm.Backward(dx, dw, db, y, x, w, mean, rstd, N, C));
    Time("rmsnorm fwd", () => RmsNorm.Forward(y, rstd, x, w, N, C, 1e-5f));
    Time("rmsnorm bwd", () => RmsNorm.Backward(dx, dw, y, x, w, rstd, N, C));
    Time("gelu fwd (N,4C)", () => Gelu.Forward(hy, h));
    Time("gelu bwd (N,4C)", () => Gelu.Backward(dh, h, h2));
    Time("swiglu fwd (N,4C)", () => SwiGlu.Forward(hy, h, h2));
    Time("swiglu bwd (N,4C)", () => SwiGlu.Backward(dh, hy, h, h2, h));
    Time("residual (N,C)", () => Residual.Forward(y, x, dx));
    Time("rope fwd q,k", () => rope.Forward(qkv, positions, N, 3 * C, 0, 2 * NH));
    Time("rope bwd q,k", () => rope.Backward(dqkv, positions, N, 3 * C, 0, 2 * NH));
    Time("attention fwd", () => Attention.Forward(y, att, qkv, B, T, NH, NH, HS));
    Time("attention bwd", () => Attention.Backward(dqkv, datt, y, qkv, att, B, T, NH, NH, HS));
    Time("softmax (B*NH*T,T)", () => Softmax.Forward(datt, att, B * NH * T, T));
    Time("crossentropy fwd", () => CrossEntropy.Forward(losses, probs, logits, targets, N, V));
    Time("crossentropy bwd", () => CrossEntropy.Backward(logits, dlosses, probs, targets, N, V));
    Time("embedding fwd", () => Embedding.Forward(y, targets, positions, wte, wpe, N, C));
    Time("embedding bwd", () => Embedding.Backward(dwte, dwpe, y, targets, positions, N, C));
}

// wall: the best call; cpu: process CPU time per call, averaged. On a machine shared with other jobs
// the CPU time is the steadier number (time spent waiting for a core is not counted).
static void Time(string what, Action body)
{
    body();
    var best = double.MaxValue;
    var process = Process.GetCurrentProcess();
    var cpu0 = process.TotalProcessorTime;
    var total = Stopwatch.StartNew();
    var calls = 0;
    for (; calls < 2000 && (calls < 5 || total.ElapsedMilliseconds < 1500); calls++)
    {
        var sw = Stopwatch.StartNew();
        body();
        best = Math.Min(best, sw.Elapsed.TotalMilliseconds);
    }
    process.Refresh();
    var cpu = (process.TotalProcessorTime - cpu0).TotalMilliseconds / calls;
    Console.WriteLine($"  {what,-22} wall {best,9:F3}   cpu {cpu,9:F3}");
}
