using System.Text.Json;
using Fpo.Sae;
using Fpo.Sae.Formats;
using static Fpo.Silo.Tests.CliTests;

namespace Fpo.Silo.Tests;

/// <summary>`fpo sae eval` end to end on a tiny model: JSON on sampled tokens, the table on a corpus, and one-line errors.</summary>
public sealed class SaeEvalCommandTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("fpo-sae-eval-").FullName;
    private readonly string _model, _sae, _corpus;

    public SaeEvalCommandTests()
    {
        _model = Path.Combine(_root, "model");
        TinyModelFolder.Write(_model);
        _sae = SaveSae("sae", inputSize: 32);
        _corpus = Path.Combine(_root, "corpus.txt");
        File.WriteAllText(_corpus, string.Concat(Enumerable.Range(0, 40).Select(i => $"the cat {i % 11} sat on the mat with {i % 7} dogs. ")));
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string SaveSae(string name, int inputSize)
    {
        var weights = new SaeWeights(new SaeConfig { Architecture = SaeArchitecture.TopK, K = 4, InputSize = inputSize, Latents = 64, Layer = 0 });
        var random = new Random(3);
        for (var i = 0; i < weights.DecoderWeight.Length; i++)
            weights.EncoderWeight[i] = weights.DecoderWeight[i] = (float)(random.NextDouble() - 0.5);
        var dir = Path.Combine(_root, name);
        SaeFolder.Save(dir, weights);
        return dir;
    }

    private (int Exit, string Output, string Error) Eval(params string[] args) =>
        Run(["sae", "eval", "--model", _model, "--sae", _sae, "--threads", "1", .. args]);

    [Fact]
    public void JsonOnSampledTokensHasEveryMetric()
    {
        var (exit, output, error) = Eval("--tokens", "100", "--context", "16", "--json");
        Assert.True(exit == 0, error);
        Assert.Contains("no --corpus: sampling 6 windows of 16 tokens from the model", error);
        using var doc = JsonDocument.Parse(output);
        var e = doc.RootElement;
        Assert.Equal(96, e.GetProperty("tokens").GetInt64());
        Assert.Equal(6, e.GetProperty("windows").GetInt32());
        Assert.Equal(4.0, e.GetProperty("l0").GetDouble(), 9);  // TopK with k = 4 and random pre-activations
        foreach (var key in new[] { "mse", "fvu", "ce_clean", "ce_sae", "ce_zero_ablated", "kl" })
            Assert.True(e.GetProperty(key).GetDouble() > 0, key);
        Assert.InRange(e.GetProperty("cosine").GetDouble(), -1, 1);
        Assert.Equal(JsonValueKind.Number, e.GetProperty("ce_recovered").ValueKind);
        var binned = e.GetProperty("density_histogram").EnumerateArray().Sum(b => b.GetProperty("latents").GetInt32());
        Assert.Equal(64, binned + e.GetProperty("dead_latents").GetInt32());
        Assert.Contains("Σ_t ‖x_t − x̄‖²", e.GetProperty("formulas").GetProperty("fvu").GetString());
        // The same seed samples the same tokens.
        Assert.Equal(output, Eval("--tokens", "100", "--context", "16", "--json").Output);
    }

    [Fact]
    public void TheTableOnACorpusStatesTheFormulasAndDrawsTheHistogram()
    {
        var (exit, output, error) = Eval("--corpus", _corpus, "--tokens", "64", "--context", "16", "--batch", "3");
        Assert.True(exit == 0, error);
        TestContext.Current.TestOutputHelper?.WriteLine(output);
        Assert.Contains("64 tokens in 4 windows of 16 (corpus", output);
        Assert.Contains("FVU = Σ_t ‖x_t − x̂_t‖² / Σ_t ‖x_t − x̄‖²", output);
        Assert.Contains("CE recovered = (CE_zero − CE_sae) / (CE_zero − CE_clean)", output);
        Assert.Contains("log10 feature density", output);
        Assert.Contains("#", output);
        Assert.Contains("fpo: 64/64 tokens evaluated", error);
    }

    [Theory]
    [InlineData("narrow", "--tokens", "64", "d_in is 16 but the model's residual stream has 32 channels")]
    [InlineData("sae", "--tokens", "8", "--tokens 8 is less than one window of --context 16")]
    [InlineData("sae", "--context", "1", "--context must be in [2, 64]")]
    [InlineData("sae", "--dense-threshold", "1.5", "--dense-threshold must be in (0, 1)")]
    [InlineData("missing", "--tokens", "64", "no such folder")]
    public void BadInputGetsOneLine(string saeName, string option, string value, string expected)
    {
        SaveSae("narrow", inputSize: 16);
        string[] context = option == "--context" ? [] : ["--context", "16"];
        var (exit, _, error) = Run(["sae", "eval", "--model", _model, "--sae", Path.Combine(_root, saeName), .. context, option, value]);
        Assert.Equal(2, exit);
        Assert.Contains(expected, error);
    }

    [Fact]
    public void ACorpusShorterThanAWindowIsRefused()
    {
        var tiny = Path.Combine(_root, "tiny.txt");
        File.WriteAllText(tiny, "the cat");
        var (exit, _, error) = Eval("--corpus", tiny, "--context", "16");
        Assert.Equal(2, exit);
        Assert.Contains("tokens, fewer than one window of --context 16", error);
    }
}
