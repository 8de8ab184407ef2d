#:project ../src/Fpo.Models/Fpo.Models.csproj
#:property PublishAot=false
// Microseconds per TokenSampler.Sample call at V = 50257 (GPT-2) for the common parameter sets, and bytes allocated
// per call (0 in steady state). Logits are Gaussian with standard deviation 3, a spread like a small LM's.
// best: the fastest call; mean: wall time per call; cpu: process CPU time per call, the steadier number on a machine
// shared with other jobs (time spent waiting for a core is not counted).
// usage: dotnet run -c Release bench/sampler.cs -- [V]
using System.Diagnostics;
using Fpo.Models.Sampling;

var V = args.Length > 0 ? int.Parse(args[0]) : 50257;
var rng = new Random(1);
var logits = new float[V]; // (V)
for (var i = 0; i < V; i++) logits[i] = (float)(Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble()) * 3);
var history = new TokenHistory([.. Enumerable.Range(0, 100).Select(_ => rng.Next(V))]);
for (var t = 0; t < 64; t++) history.Add(rng.Next(V));
var sampler = new TokenSampler(V);
var random = new SequenceRandom(1, 0);
Console.WriteLine($"V={V}; history of 100 prompt + 64 generated tokens; us per call (best, mean) and bytes allocated per call");
Time("default", new SamplingParams());
Time("T 0.9, top_k 50, top_p 0.95", new SamplingParams { Temperature = 0.9f, TopK = 50, TopP = 0.95f });
Time("top_p 0.9", new SamplingParams { TopP = 0.9f });
Time("greedy", new SamplingParams { Temperature = 0f });
Time("min_p 0.05", new SamplingParams { MinP = 0.05f });
Time("penalties + top_k 50", new SamplingParams { TopK = 50, RepetitionPenalty = 1.1f, PresencePenalty = 0.3f, FrequencyPenalty = 0.2f });

void Time(string what, SamplingParams p)
{
    for (var i = 0; i < 200; i++) sampler.Sample(logits, p, history, random);
    var best = double.MaxValue;
    var allocated = GC.GetAllocatedBytesForCurrentThread();
    var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
    var total = Stopwatch.StartNew();
    var calls = 0;
    for (; calls < 20000 && (calls < 50 || total.ElapsedMilliseconds < 1500); calls++)
    {
        var start = Stopwatch.GetTimestamp();
        sampler.Sample(logits, p, history, random);
        best = Math.Min(best, Stopwatch.GetElapsedTime(start).TotalMicroseconds);
    }
    var bytes = (GC.GetAllocatedBytesForCurrentThread() - allocated - 40) / (double)calls; // 40: the Stopwatch
    var cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalMicroseconds / calls;
    Console.WriteLine($"  {what,-30} best {best,7:F1}   mean {total.Elapsed.TotalMicroseconds / calls,7:F1}   cpu {cpu,7:F1}   alloc {bytes,3:F0} B");
}
