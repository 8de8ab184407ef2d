using Fpo.Alignment.Preferences;
using Fpo.Sae;
using Fpo.Sae.Formats;
using static Fpo.Silo.Tests.CliTests;

namespace Fpo.Silo.Tests;

/// <summary>`fpo reference`: annotates every pair, in order, with reference log-probs and sparse SAE features; bad input gets one line.</summary>
public sealed class ReferenceCommandTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("fpo-reference-").FullName;
    private readonly string _model, _sae, _pairs, _out;

    public ReferenceCommandTests()
    {
        _model = Path.Combine(_root, "model");
        TinyModelFolder.Write(_model);
        _sae = Path.Combine(_root, "sae");
        var weights = new SaeWeights(new SaeConfig { Architecture = SaeArchitecture.ReLU, InputSize = 32, Latents = 64, Layer = 1 });
        var random = new Random(5);
        for (var i = 0; i < weights.EncoderWeight.Length; i++) weights.EncoderWeight[i] = (float)(random.NextDouble() - 0.5) * 20;
        SaeFolder.Save(_sae, weights);
        _pairs = Path.Combine(_root, "pairs.jsonl");
        _out = Path.Combine(_root, "out.jsonl");
        File.WriteAllLines(_pairs,
        [
            """{"id":"long","prompt":"the cat 3 sat","chosen":" on the mat with 2 dogs.","rejected":" on the dogs.","label":0.9}""",
            """{"prompt":"the cat","chosen":" sat","rejected":" dogs with the mat"}""",
        ]);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void WritesEveryPairWithReferenceLogProbsAndFeatures()
    {
        var (exit, _, error) = Run("reference", "--model", _model, "--sae", _sae, "--layer", "1", "--pairs", _pairs, "--out", _out, "--keep", "5", "--threads", "1");
        Assert.True(exit == 0, error);
        Assert.Contains("wrote 2 pairs with reference data", error);
        var pairs = PreferenceJsonl.Read(_out);
        Assert.Equal(["long", "pairs.jsonl:2"], pairs.Select(p => p.Id));
        Assert.Equal(0.9, pairs[0].Label);
        foreach (var pair in pairs)
        {
            Assert.True(pair.HasTokens);
            var r = pair.Reference!;
            Assert.True(r.ChosenLogProbSum < 0 && r.RejectedLogProbSum < 0);
            Assert.Equal(r.ChosenLogProbSum / pair.ChosenTokens!.Length, r.ChosenLogProbMean, 4);
            Assert.Equal(1, r.SaeLayer);
            Assert.Equal("sae", r.SaeId);
            Assert.InRange(r.ChosenFeatures!.Count, 1, 5);
            Assert.InRange(r.RejectedFeatures!.Count, 1, 5);
        }
    }

    [Theory]
    [InlineData("--layer", "0", "--layer 0: the SAE reads resid_post of layer 1")]
    [InlineData("--keep", "0", "--keep must be at least 1")]
    [InlineData("--pairs", "bad", "bad.jsonl:2: field 'label': 2 is not a probability in [0, 1]")]
    public void BadInputGetsOneLine(string option, string value, string expected)
    {
        var bad = Path.Combine(_root, "bad.jsonl");
        File.WriteAllLines(bad, ["""{"prompt":"a","chosen":"b","rejected":"c"}""", """{"prompt":"a","chosen":"b","rejected":"c","label":2}"""]);
        List<string> args = ["reference", "--model", _model, "--sae", _sae, "--pairs", _pairs, "--out", _out];
        var at = args.IndexOf(option);
        if (option == "--pairs") args[at + 1] = bad;
        else args.AddRange([option, value]);
        var (exit, _, error) = Run([.. args]);
        Assert.Equal(2, exit);
        Assert.Contains(expected, error);
        Assert.Single(error.Trim().Split('\n'));
    }
}
