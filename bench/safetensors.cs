#:project ../src/Fpo.Models/Fpo.Models.csproj
#:property PublishAot=false
// Safetensors write and read throughput at GPT-2-small's parameter count (124M floats in 148 tensors shaped
// like its layers), stored as F32, F16 and BF16, next to PyTorch reading the same files
// (bench/safetensors_torch.py: mmap -> torch.frombuffer -> copy_ into fp32). Files go to /dev/shm when it exists,
// so the numbers are memory and conversion speed, not disk speed.
// usage: dotnet run -c Release bench/safetensors.cs -- [THREADS for PyTorch]   (default: 1; our reader is single-threaded)
using System.Diagnostics;
using System.Text.Json;
using Fpo.Models.Checkpoints;

var threads = args.Length > 0 ? int.Parse(args[0]) : 1;
var dir = Path.Combine(Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath(), "fpo-bench-safetensors");
Directory.CreateDirectory(dir);
try
{
    const int V = 50257, T = 1024, C = 768, L = 12;
    var shapes = new List<(string Name, long[] Shape)> { ("wte", [V, C]), ("wpe", [T, C]) };
    for (var l = 0; l < L; l++)
        shapes.AddRange([
            ($"h.{l}.ln_1.weight", [C]), ($"h.{l}.ln_1.bias", [C]), ($"h.{l}.attn.c_attn.weight", [C, 3 * C]), ($"h.{l}.attn.c_attn.bias", [3 * C]),
            ($"h.{l}.attn.c_proj.weight", [C, C]), ($"h.{l}.attn.c_proj.bias", [C]), ($"h.{l}.ln_2.weight", [C]), ($"h.{l}.ln_2.bias", [C]),
            ($"h.{l}.mlp.c_fc.weight", [C, 4 * C]), ($"h.{l}.mlp.c_fc.bias", [4 * C]), ($"h.{l}.mlp.c_proj.weight", [4 * C, C]), ($"h.{l}.mlp.c_proj.bias", [C]),
        ]);
    shapes.AddRange([("ln_f.weight", [C]), ("ln_f.bias", [C])]);
    var random = new Random(1);
    var data = shapes.Select(s => { var x = new float[s.Shape.Aggregate(1L, (a, d) => a * d)]; for (var i = 0; i < x.Length; i++) x[i] = (float)(random.NextDouble() - 0.5); return x; }).ToList();
    var total = data.Sum(d => (long)d.Length);
    Console.WriteLine($"{shapes.Count} tensors, {total / 1e6:F1}M floats; best of 5; PyTorch on {threads} thread(s)");
    Console.WriteLine($"{"dtype",-6} {"MB",7} {"write ms",9} {"open ms",8} {"open+read ms",13} {"read GB/s",10} {"torch ms",9} {"torch/ours",10}");

    var files = new List<string>();
    var rows = new List<(string DType, double Mb, double Write, double Open, double Read)>();
    foreach (var (dtype, make) in new (string, Func<string, long[], float[], SafetensorsTensor>)[]
        { ("F32", (n, s, x) => SafetensorsTensor.F32(n, s, x)), ("F16", (n, s, x) => SafetensorsTensor.F16(n, s, x)), ("BF16", (n, s, x) => SafetensorsTensor.BF16(n, s, x)) })
    {
        var path = Path.Combine(dir, $"gpt2.{dtype}.safetensors");
        files.Add(path);
        var tensors = shapes.Select((s, i) => make(s.Name, s.Shape, data[i])).ToList();
        var write = Best(() => SafetensorsWriter.Write(path, tensors));
        var open = Best(() => SafetensorsFile.Open(path).Dispose());
        var read = Best(() =>
        {
            using var file = SafetensorsFile.Open(path);
            for (var i = 0; i < shapes.Count; i++) file.ReadFloat32(shapes[i].Name, data[i]);
        });
        rows.Add((dtype, new FileInfo(path).Length / 1e6, write, open, read));
    }

    var python = Process.Start(new ProcessStartInfo("/usr/bin/python3", [Path.Combine(AppContext.GetData("EntryPointFileDirectoryPath") as string ?? "bench", "safetensors_torch.py"), threads.ToString(), .. files])
        { RedirectStandardOutput = true })!;
    var torch = JsonDocument.Parse(python.StandardOutput.ReadToEnd()).RootElement.GetProperty("results").EnumerateArray()
        .Select(r => r.GetProperty("seconds").GetDouble() * 1000).ToList();
    python.WaitForExit();
    for (var i = 0; i < rows.Count; i++)
    {
        var r = rows[i];
        Console.WriteLine($"{r.DType,-6} {r.Mb,7:F0} {r.Write,9:F1} {r.Open,8:F2} {r.Read,13:F1} {total * 4 / r.Read / 1e6,10:F2} {torch[i],9:F1} {torch[i] / r.Read,10:F2}");
    }
}
finally
{
    Directory.Delete(dir, recursive: true);
}

static double Best(Action action)
{
    action();
    var best = double.MaxValue;
    for (var i = 0; i < 5; i++)
    {
        var clock = Stopwatch.StartNew();
        action();
        best = Math.Min(best, clock.Elapsed.TotalMilliseconds);
    }
    return best;
}
