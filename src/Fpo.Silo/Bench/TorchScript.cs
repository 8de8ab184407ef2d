using System.Diagnostics;
using System.Text.Json;

namespace Fpo.Silo.Bench;

/// <summary>
/// Runs a PyTorch script from bench/ with Debian's interpreter (/usr/bin/python3, package python3-torch) and reads
/// the one JSON object it prints last. Benchmarks use it to run the same work in PyTorch in the same invocation.
/// </summary>
public static class TorchScript
{
    public const string Interpreter = "/usr/bin/python3";

    public static JsonElement Run(string scriptName, IEnumerable<string> arguments, TimeSpan timeout)
    {
        var script = Path.Combine(RepoRoot(), "bench", scriptName);
        if (!File.Exists(script))
            throw new FileNotFoundException($"benchmark script {script} is missing", script);
        if (!File.Exists(Interpreter))
            throw new InvalidOperationException($"{Interpreter} not found: install PyTorch with `apt-get install python3-torch` (./test.sh does it)");

        var start = new ProcessStartInfo(Interpreter);
        start.ArgumentList.Add(script);
        foreach (var a in arguments) start.ArgumentList.Add(a);
        // The PyTorch side must use exactly the threads we tell it, not OpenMP's own default.
        start.Environment["OMP_NUM_THREADS"] = null;
        return LastJsonLine(start, scriptName, timeout);
    }

    /// <summary>Runs a process to its end (killed after <paramref name="timeout"/>) and parses the JSON object it printed
    /// last; <paramref name="name"/> names it in errors.</summary>
    public static JsonElement LastJsonLine(ProcessStartInfo start, string name, TimeSpan timeout)
    {
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {start.FileName}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{name} did not finish within {timeout.TotalSeconds:F0} s");
        }
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{name} exited with {process.ExitCode}: {stderr.Result.Trim()}");
        var lastLine = stdout.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault()
            ?? throw new InvalidOperationException($"{name} printed nothing");
        using var doc = JsonDocument.Parse(lastLine);
        return doc.RootElement.Clone();
    }

    /// <summary>The repository root: FPO_REPO_ROOT (set by ./fpo), else the first folder holding Cluster.sln above the
    /// working directory or the binary.</summary>
    public static string RepoRoot()
    {
        if (Environment.GetEnvironmentVariable("FPO_REPO_ROOT") is { Length: > 0 } root) return root;
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "Cluster.sln"))) return dir.FullName;
        throw new InvalidOperationException(
            $"cannot find the repository (no Cluster.sln above {Environment.CurrentDirectory} or {AppContext.BaseDirectory}); set FPO_REPO_ROOT");
    }
}
