using System.CommandLine;
using Fpo.Silo.Cli;

namespace Fpo.Silo.Tests;

/// <summary>The CLI in process: help text, pretrain end to end with resume, and clear errors for bad input.</summary>
public sealed class CliTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("fpo-cli-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    internal static (int Exit, string Out, string Error) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var config = new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false };
        int exit;
        try
        {
            exit = FpoCli.Create().Parse(args).Invoke(config);
        }
        catch (CliException e)
        {
            error.WriteLine(e.Message);
            exit = 2;
        }
        return (exit, output.ToString(), error.ToString());
    }

    [Fact]
    public void HelpListsTheCommands()
    {
        var (exit, output, _) = Run("--help");
        Assert.Equal(0, exit);
        Assert.Contains("pretrain", output);
        Assert.Contains("bench", output);
    }

    [Fact]
    public void PretrainTrainsSavesAModelFolderAndResumes()
    {
        var corpus = Path.Combine(_root, "corpus.txt");
        File.WriteAllLines(corpus, Enumerable.Range(0, 400).Select(i => $"line {i % 7} of the little corpus, number {i % 13}."));
        var run = Path.Combine(_root, "run");
        string[] common = ["pretrain", "--corpus", corpus, "--out", run, "--config", "nano", "--vocab-size", "300",
            "--batch", "2", "--seq", "16", "--checkpoint-every", "2", "--eval-every", "2", "--threads", "1"];

        Assert.Equal(0, Run([.. common, "--steps", "3"]).Exit);
        foreach (var file in new[] { "config.json", "model.safetensors", "tokenizer.json", "metrics.jsonl" })
            Assert.True(File.Exists(Path.Combine(run, file)), $"{file} missing");
        Assert.Equal(3, File.ReadAllLines(Path.Combine(run, "metrics.jsonl")).Length);

        var again = Run([.. common, "--steps", "3"]);
        Assert.Equal(2, again.Exit);
        Assert.Contains("--resume", again.Error);

        Assert.Equal(0, Run([.. common, "--steps", "5", "--resume"]).Exit);
        Assert.Equal(5, File.ReadAllLines(Path.Combine(run, "metrics.jsonl")).Length);
        Assert.True(Directory.Exists(Path.Combine(run, "checkpoints", "step-0000005")));

        // Without --steps a resumed run keeps its saved total (5), not the option's default: nothing is left to do.
        string[] resumeOnly = ["pretrain", "--corpus", corpus, "--out", run, "--resume", "--threads", "1"];
        Assert.Equal(0, Run(resumeOnly).Exit);
        Assert.Equal(5, File.ReadAllLines(Path.Combine(run, "metrics.jsonl")).Length);
    }

    [Theory]
    [InlineData("--steps", "0", "steps must be at least 1")]
    [InlineData("--config", "no-such-preset", "neither a preset")]
    [InlineData("--vocab-size", "100", "--vocab-size must be at least 257")]
    public void BadSettingsGetAClearError(string option, string value, string expected)
    {
        var corpus = Path.Combine(_root, "c.txt");
        File.WriteAllText(corpus, string.Concat(Enumerable.Repeat("some words for a corpus. ", 200)));
        var (exit, _, error) = Run("pretrain", "--corpus", corpus, "--out", Path.Combine(_root, "r"), option, value);
        Assert.NotEqual(0, exit);
        Assert.Contains(expected, error);
    }

    [Fact]
    public void ACorpusThatIsNotUtf8IsRejectedWithTheOffset()
    {
        var corpus = Path.Combine(_root, "bad.txt");
        File.WriteAllBytes(corpus, [(byte)'o', (byte)'k', 0xFF, 0xFE, (byte)'x']);
        var (exit, _, error) = Run("pretrain", "--corpus", corpus, "--out", Path.Combine(_root, "r2"));
        Assert.Equal(2, exit);
        Assert.Contains("not valid UTF-8 at byte 2", error);
    }

    [Fact]
    public void BenchEngineJsonHasBothEnginesAndTheirRatio()
    {
        var (exit, _, error) = RunCapturingStdout(out var stdout, "bench", "engine", "--json", "--shapes", "tiny", "--gemm-sizes", "64", "--steps", "1");
        Assert.True(exit == 0, error);
        using var doc = System.Text.Json.JsonDocument.Parse(stdout);
        var step = doc.RootElement.GetProperty("train_step")[0];
        Assert.Equal("tiny", step.GetProperty("shape").GetString());
        foreach (var key in new[] { "fpo_tokens_per_s", "pytorch_tokens_per_s", "ratio" })
            Assert.True(step.GetProperty(key).GetDouble() > 0, key);
        // Both engines train the same shape from the uniform start: the loss is near ln(4096) = 8.3 in each.
        foreach (var key in new[] { "fpo_loss", "pytorch_loss" })
            Assert.InRange(step.GetProperty(key).GetDouble(), 6.0, 9.0);
        var backends = doc.RootElement.GetProperty("gemm").EnumerateArray().Select(g => g.GetProperty("backend").GetString()).ToList();
        Assert.Contains("torch", backends);
        Assert.Contains(backends, b => b!.StartsWith("managed", StringComparison.Ordinal));
    }

    [Fact]
    public void BenchDecodeJsonHasBothPrecisionsPyTorchAndTheBandwidthBound()
    {
        var (exit, _, error) = RunCapturingStdout(out var stdout, "bench", "decode", "--json", "--shapes", "nano", "--batches", "1", "2",
            "--new-tokens", "4", "--prompt", "3", "--repeats", "1");
        Assert.True(exit == 0, error);
        using var doc = System.Text.Json.JsonDocument.Parse(stdout);
        Assert.True(doc.RootElement.GetProperty("copy_bytes_per_s").GetDouble() > 0, "copy_bytes_per_s");
        var rows = doc.RootElement.GetProperty("decode").EnumerateArray().ToList();
        Assert.Equal([1, 2], rows.Select(r => r.GetProperty("batch").GetInt32()));
        foreach (var row in rows)
        {
            Assert.Equal("nano", row.GetProperty("shape").GetString());
            foreach (var key in new[] { "fpo_fp32_tokens_per_s", "fpo_bf16_tokens_per_s", "pytorch_tokens_per_s", "fp32_ratio", "bf16_ratio",
                         "weight_bytes_per_step_fp32", "weight_bytes_per_step_bf16", "bound_tokens_per_s_fp32", "bound_fraction_fp32", "bound_fraction_bf16" })
                Assert.True(row.GetProperty(key).GetDouble() > 0, key);
            // bf16 halves the matrices, not the fp32 vectors
            var (fp32, bf16) = (row.GetProperty("weight_bytes_per_step_fp32").GetDouble(), row.GetProperty("weight_bytes_per_step_bf16").GetDouble());
            Assert.InRange(bf16, fp32 / 2, fp32 * 0.6);
        }
    }

    [Fact]
    public void BenchSaeJsonHasBothEnginesAndTheirRatios()
    {
        var (exit, _, error) = RunCapturingStdout(out var stdout, "bench", "sae", "--json", "--d-in", "16", "--d-sae", "64", "--k", "4",
            "--batch", "32", "--steps", "1");
        Assert.True(exit == 0, error);
        using var doc = System.Text.Json.JsonDocument.Parse(stdout);
        foreach (var key in new[] { "fpo_step_tokens_per_s", "pytorch_step_tokens_per_s", "step_ratio", "fpo_encode_tokens_per_s",
                     "pytorch_encode_tokens_per_s", "encode_ratio" })
            Assert.True(doc.RootElement.GetProperty(key).GetDouble() > 0, key);
        // Decoder rows of norm 0.1 barely reconstruct x ~ N(0, 1): the summed squared error is near d_in = 16 in both.
        foreach (var key in new[] { "fpo_loss", "pytorch_loss" })
            Assert.InRange(doc.RootElement.GetProperty(key).GetDouble(), 10.0, 24.0);
    }

    [Fact]
    public void BenchSyncJsonHasBothDTypesWithDeltasSmallerThanTheirFilesAndTorchsConversionTimes()
    {
        var (exit, _, error) = RunCapturingStdout(out var stdout, "bench", "sync", "--json", "--shape", "tiny", "--repeats", "1");
        Assert.True(exit == 0, error);
        using var doc = System.Text.Json.JsonDocument.Parse(stdout);
        var dtypes = doc.RootElement.GetProperty("dtypes").EnumerateArray().ToList();
        Assert.Equal(["F32", "BF16"], dtypes.Select(d => d.GetProperty("dtype").GetString()));
        foreach (var d in dtypes)
        {
            Assert.True(d.GetProperty("delta_bytes").GetInt64() < d.GetProperty("file_bytes").GetInt64(), d.ToString());
            Assert.True(d.GetProperty("encode_mb_per_s").GetDouble() > 0 && d.GetProperty("apply_mb_per_s").GetDouble() > 0, d.ToString());
        }
        // 4 bytes a weight against 2, with one header (a few KB) in each
        Assert.InRange(dtypes[0].GetProperty("file_bytes").GetInt64() / (double)dtypes[1].GetProperty("file_bytes").GetInt64(), 1.95, 2.0);
        foreach (var key in new[] { "fpo_narrow_s", "pytorch_narrow_s", "fpo_widen_s", "pytorch_widen_s" })
            Assert.True(doc.RootElement.GetProperty(key).GetDouble() > 0, key);
    }

    [Fact]
    public void BenchServeJsonHasThroughputLatencyAndSharedSteps()
    {
        var (exit, _, error) = RunCapturingStdout(out var stdout, "bench", "serve", "--json", "--requests", "8", "--new-tokens", "4", "--threads", "1");
        Assert.True(exit == 0, error);
        var doc = System.Text.Json.JsonDocument.Parse(stdout).RootElement;
        Assert.Equal(32, doc.GetProperty("completion_tokens").GetInt64());
        Assert.True(doc.GetProperty("tokens_per_s").GetDouble() > 0);
        Assert.True(doc.GetProperty("p95_latency_s").GetDouble() >= doc.GetProperty("p50_latency_s").GetDouble());
        Assert.InRange(doc.GetProperty("decode_steps").GetInt64(), 3, 8 * 3);
        Assert.Contains("no PyTorch counterpart", doc.GetProperty("pytorch").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void BenchSaeRejectsKAboveTheLatents()
    {
        var (exit, _, error) = Run("bench", "sae", "--d-sae", "8", "--k", "9");
        Assert.Equal(2, exit);
        Assert.Contains("--k must be in [1, d-sae = 8] (got 9)", error);
    }

    [Fact]
    public void BenchDecodeRejectsAnUnknownShape()
    {
        var (exit, _, error) = Run("bench", "decode", "--shapes", "gpt5");
        Assert.Equal(2, exit);
        Assert.Contains("--shapes: unknown shape 'gpt5'", error);
    }

    // The engine report goes to Console.Out (it is written for a terminal), so capture the process's stdout.
    private static (int Exit, string Out, string Error) RunCapturingStdout(out string stdout, params string[] args)
    {
        var saved = Console.Out;
        var capture = new StringWriter();
        Console.SetOut(capture);
        try
        {
            var result = Run(args);
            stdout = capture.ToString();
            return result;
        }
        finally
        {
            Console.SetOut(saved);
        }
    }
}
