using System.Diagnostics;
using System.Text.Json;
using Fpo.Tensors;

namespace Fpo.Silo.Bench;

/// <summary>One GEMM measurement: C = A·B on square fp32 matrices of <paramref name="Size"/>, 2*Size^3 flops per call.</summary>
public sealed record GemmBenchmarkResult(int Size, string Backend, int Threads, double Gflops);

/// <summary>
/// GFLOP/s of our managed GEMM, our OpenBLAS path and PyTorch's matmul at one size and thread count.
/// Each is warmed up, then called until it has run for about a second; our backends take turns call by call so a
/// burst of load from elsewhere hits both alike. The best call counts: on a shared machine the slow calls measure
/// the neighbours rather than the kernel.
/// </summary>
public static class GemmBenchmark
{
    private static readonly TimeSpan MinElapsed = TimeSpan.FromSeconds(1);

    /// <summary>Managed, OpenBLAS (when it loads) and torch at <paramref name="size"/>^3 on <paramref name="threads"/> threads.</summary>
    public static IReadOnlyList<GemmBenchmarkResult> Run(int size, int threads)
    {
        var gemms = new List<IGemm> { Gemm.Managed };
        if (Gemm.OpenBlas is { } openBlas) gemms.Add(openBlas);
        var results = Measure(gemms, size, threads).ToList();
        results.Add(MeasureTorch(size, threads));
        return results;
    }

    /// <summary>GFLOP/s of each <see cref="IGemm"/>, calls interleaved; <see cref="ComputeThreads.Count"/> is <paramref name="threads"/> meanwhile.</summary>
    public static IReadOnlyList<GemmBenchmarkResult> Measure(IReadOnlyList<IGemm> gemms, int size, int threads)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        var saved = ComputeThreads.Count;
        ComputeThreads.Count = threads;
        try
        {
            var random = new Random(1234);
            var a = new float[size * size]; // (N,N)
            var b = new float[size * size]; // (N,N)
            var c = new float[size * size]; // (N,N)
            for (var i = 0; i < a.Length; i++)
            {
                a[i] = random.NextSingle() - 0.5f;
                b[i] = random.NextSingle() - 0.5f;
            }
            var best = new double[gemms.Count];
            var elapsed = new TimeSpan[gemms.Count];
            Array.Fill(best, double.MaxValue);
            for (var round = -2; elapsed.Any(e => e < MinElapsed); round++)
                for (var g = 0; g < gemms.Count; g++)
                {
                    var call = Stopwatch.StartNew();
                    gemms[g].Multiply(false, false, size, size, size, 1f, a, size, b, size, 0f, c, size);
                    if (round < 0) continue; // warm-up: JIT, pack buffers, OpenBLAS threads
                    elapsed[g] += call.Elapsed;
                    best[g] = Math.Min(best[g], call.Elapsed.TotalSeconds);
                }
            return [.. gemms.Select((gemm, g) => new GemmBenchmarkResult(size, gemm.Name, threads, 2.0 * size * size * size / best[g] / 1e9))];
        }
        finally
        {
            ComputeThreads.Count = saved;
        }
    }

    /// <summary>torch.matmul through bench/gemm_torch.py with /usr/bin/python3 and torch.set_num_threads(threads).</summary>
    public static GemmBenchmarkResult MeasureTorch(int size, int threads)
    {
        var script = Path.Combine(RepoRoot(), "bench", "gemm_torch.py");
        var start = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { script, threads.ToString(), size.ToString() }) start.ArgumentList.Add(arg);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start /usr/bin/python3");
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{script} exited with {process.ExitCode}: {stderr.Result.Trim()}");
        using var json = JsonDocument.Parse(stdout);
        var gflops = json.RootElement.GetProperty("results")[0].GetProperty("gflops").GetDouble();
        return new GemmBenchmarkResult(size, "torch", threads, gflops);
    }

    // ./fpo exports FPO_REPO_ROOT; otherwise look upwards from the working directory, then from the binary.
    private static string RepoRoot()
    {
        if (Environment.GetEnvironmentVariable("FPO_REPO_ROOT") is { Length: > 0 } root) return root;
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "Cluster.sln"))) return dir.FullName;
        throw new InvalidOperationException(
            $"cannot find the repository (no Cluster.sln above {Environment.CurrentDirectory} or {AppContext.BaseDirectory}); set FPO_REPO_ROOT");
    }
}
