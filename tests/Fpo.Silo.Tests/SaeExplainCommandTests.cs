using Fpo.Alignment.Explanations;
using Fpo.Sae;
using Fpo.Sae.Formats;
using Fpo.Silo.Api;
using Fpo.Silo.Cli;
using static Fpo.Silo.Tests.CliTests;

namespace Fpo.Silo.Tests;

/// <summary>
/// `fpo sae explain` end to end against our own `fpo serve` on 127.0.0.1: the tiny test model (same tokenizer and
/// shape as <see cref="TinyModelFolder"/>, but 4096 positions, since the explanation prompt is ~1–2k tokens) both runs
/// the SAE and answers as the LLM. Whatever it says, there must be an explanation, an attempted simulation, a score in
/// [−1, 1] or a stated reason for none, and the entry in explanations.json.
/// </summary>
public sealed class SaeExplainCommandTests : IDisposable
{
    private const int Positions = 4096;
    private readonly string _root = Directory.CreateTempSubdirectory("fpo-sae-explain-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task ExplainsAFiringLatentThroughFpoServeAndStoresIt()
    {
        var ct = TestContext.Current.CancellationToken;
        var modelDir = Path.Combine(_root, "model");
        TinyModelFolder.Write(modelDir, maxPositions: Positions);
        var weights = new SaeWeights(new SaeConfig { Architecture = SaeArchitecture.TopK, K = 4, InputSize = 32, Latents = 64, Layer = 0 });
        var random = new Random(3);
        for (var i = 0; i < weights.DecoderWeight.Length; i++)
            weights.EncoderWeight[i] = weights.DecoderWeight[i] = (float)(random.NextDouble() - 0.5);
        var saeDir = Path.Combine(_root, "sae");
        SaeFolder.Save(saeDir, weights);
        var corpus = Path.Combine(_root, "corpus.txt");
        File.WriteAllText(corpus, string.Concat(Enumerable.Range(0, 40).Select(i => $"the cat {i % 11} sat on the mat with {i % 7} dogs. ")));

        // A latent that fires in enough windows to have held-out contexts.
        var (model, tok) = ModelFolder.Load(modelDir);
        var stream = tok.Encode(File.ReadAllText(corpus), allowSpecial: false)[..320];
        var settings = new FeatureContextSettings { ContextSize = 16 };
        var latent = Enumerable.Range(0, 64).First(f => FeatureContexts.Collect(model, weights, f, stream, settings).HeldOut.Count >= 4);

        await using var app = OpenAiServer.Create(model, tok, new ServerOptions { ModelName = "tiny", Port = 0, MaxBatch = 4, MaxSequenceLength = Positions });
        var address = await OpenAiServer.StartAsync(app, ct);
        var llm = Path.Combine(_root, "llm.yaml");
        File.WriteAllText(llm, $"base_url: {new Uri(address, "v1")}\nmodel: tiny\ntimeout_seconds: 20\nmax_retries: 0\nsimulation_max_tokens: 200\n");

        var (exit, output, error) = Run(["sae", "explain", "--model", modelDir, "--sae", saeDir, "--feature", $"{latent}", "--llm", llm,
            "--corpus", corpus, "--tokens", "320", "--context", "16", "--threads", "1"]);
        TestContext.Current.TestOutputHelper?.WriteLine(output + error);
        Assert.True(exit == 0, error);
        Assert.StartsWith($"feature {latent}: ", output);
        Assert.Matches(@"\n(score -?[01]\.\d{3} \(Pearson r over \d+ of \d+ held-out contexts\)|no score: .+)\n$", output);

        var stored = ExplanationStore.Load(saeDir)[latent];
        Assert.False(string.IsNullOrWhiteSpace(stored.Explanation));
        Assert.Contains(stored.Explanation, output);
        Assert.Equal("tiny", stored.Model);
        Assert.True(stored.ContextsSimulated >= 4, $"{stored.ContextsSimulated} contexts simulated");
        if (stored.Score is { } score) Assert.InRange(score, -1, 1);
        else Assert.False(string.IsNullOrWhiteSpace(stored.NoScoreReason));
        await app.StopAsync(CancellationToken.None);
    }

    [Theory]
    [InlineData("model: tiny\nbase_url: nope\n", "key 'base_url': 'nope' is not an absolute URL")]
    [InlineData("model: tiny\ntemperature: 1\n", "key 'temperature': unknown key")]
    [InlineData("base_url: http://127.0.0.1:1/v1\n", "key 'model': missing")]
    [InlineData("model: tiny\ntimeout_seconds: 0\n", "key 'timeout_seconds': timeout_seconds = 0: must be positive")]
    [InlineData("model: tiny\napi_key: sk-123\n", "key 'api_key': a key is never read from a file")]
    [InlineData("model: tiny\nsimulation_max_tokens: 0\n", "key 'simulation_max_tokens': simulation_max_tokens = 0: must be at least 1")]
    public void BadLlmConfigIsOneLineNamingTheKey(string yaml, string expected)
    {
        var llm = Path.Combine(_root, "bad.yaml");
        File.WriteAllText(llm, yaml);
        var (exit, _, error) = Run(["sae", "explain", "--model", _root, "--sae", _root, "--feature", "0", "--llm", llm]);
        Assert.Equal(2, exit);
        Assert.Contains(expected, error);
    }
}
