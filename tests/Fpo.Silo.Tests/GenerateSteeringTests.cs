using Fpo.Sae;
using Fpo.Sae.Formats;
using static Fpo.Silo.Tests.CliTests;

namespace Fpo.Silo.Tests;

/// <summary>`fpo generate --sae DIR --steer LATENT:SCALE`: steering changes greedy output, scale 0 does not, and bad
/// steering input gets one-line errors.</summary>
public sealed class GenerateSteeringTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("fpo-steer-").FullName;
    private readonly string _model;

    public GenerateSteeringTests()
    {
        _model = Path.Combine(_root, "model");
        TinyModelFolder.Write(_model);
        SaveSae("sae", inputSize: 32);
        SaveSae("narrow", inputSize: 16);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private void SaveSae(string name, int inputSize)
    {
        var weights = new SaeWeights(new SaeConfig { Architecture = SaeArchitecture.ReLU, InputSize = inputSize, Latents = 8, Layer = 1 });
        var random = new Random(3);
        for (var i = 0; i < weights.DecoderWeight.Length; i++) weights.DecoderWeight[i] = (float)(random.NextDouble() - 0.5);
        SaeFolder.Save(Path.Combine(_root, name), weights);
    }

    private (int Exit, string Output, string Error) Generate(params string[] args) =>
        Run(["generate", "--model", _model, "--prompt", "the cat", "--temperature", "0", "--max-new-tokens", "12", "--ignore-eos", "--seed", "1", "--threads", "1", .. args]);

    [Fact]
    public void SteeringChangesGreedyOutputAndScaleZeroDoesNot()
    {
        var plain = Generate();
        Assert.True(plain.Exit == 0, plain.Error);
        var sae = Path.Combine(_root, "sae");
        var zero = Generate("--sae", sae, "--steer", "3:0");
        Assert.Equal(plain.Output, zero.Output);
        var steered = Generate("--sae", sae, "--steer", "3:40", "--steer", "5:-20");
        Assert.True(steered.Exit == 0, steered.Error);
        Assert.Contains("steering resid_post[1] with 2 SAE latents", steered.Error);
        Assert.NotEqual(plain.Output, steered.Output);
    }

    [Theory]
    [InlineData("--steer", "3:1", "", "", "--steer needs --sae")]
    [InlineData("--sae", "sae", "", "", "--sae is only used by --steer")]
    [InlineData("--sae", "sae", "--steer", "3", "expected LATENT:SCALE")]
    [InlineData("--sae", "sae", "--steer", "x:1", "expected LATENT:SCALE")]
    [InlineData("--sae", "sae", "--steer", "8:1", "latents 0..7")]
    [InlineData("--sae", "narrow", "--steer", "1:1", "d_in is 16")]
    [InlineData("--sae", "missing", "--steer", "1:1", "no such folder")]
    public void BadSteeringGetsOneLine(string option1, string value1, string option2, string value2, string expected)
    {
        string Resolve(string option, string value) => option == "--sae" ? Path.Combine(_root, value) : value;
        var args = new List<string> { option1, Resolve(option1, value1) };
        if (option2.Length > 0) args.AddRange([option2, Resolve(option2, value2)]);
        var (exit, _, error) = Generate([.. args]);
        Assert.Equal(2, exit);
        Assert.Contains(expected, error);
        Assert.DoesNotContain("   at ", error);
    }
}
