using Fpo.Alignment.Losses;
using Fpo.Alignment.Training;
using Fpo.Models.Transformer;

namespace Fpo.Alignment.Tests.Losses;

/// <summary>Each loss's value, metrics and every parameter gradient against tests/reference/preference_losses.py.</summary>
public class PreferenceGoldenTests
{
    [Fact]
    public void TheBatchHasThePaddedInputsAndResponseTargetsOfTheScript()
    {
        using var g = new PreferenceFixture();
        var batch = g.Batch();
        Assert.Equal(g.Read("inputs").Select(x => (int)x), batch.Inputs);
        Assert.Equal(g.Read("targets").Select(x => (int)x), batch.Targets);
        Assert.Equal(PreferenceFixture.T, batch.T);
    }

    [Theory]
    [InlineData("dpo")]
    [InlineData("simpo")]
    [InlineData("tdpo1")]
    [InlineData("tdpo2")]
    [InlineData("fpo_relu")]
    [InlineData("fpo_jumprelu")]
    [InlineData("fpo_topk")]
    [InlineData("fpo_relu_policy_topk")]
    public void LossMetricsAndEveryGradientMatchPyTorch(string fixture)
    {
        using var g = new PreferenceFixture();
        var (policy, metrics) = RunStep(g, fixture);
        PreferenceFixture.AssertClose($"{fixture}.loss", [metrics.Loss], g.Read($"{fixture}.loss"));
        var rewards = g.Read($"{fixture}.rewards");
        PreferenceFixture.AssertClose($"{fixture}.rewards (means)", [metrics.ChosenReward, metrics.RejectedReward],
            [rewards[..g.B].Average(), rewards[g.B..].Average()]);
        if (metrics.SequenceKlChosen is { } klChosen)
        {
            var kl = g.Read($"{fixture}.kl");
            PreferenceFixture.AssertClose($"{fixture}.kl (means)", [klChosen, metrics.SequenceKlRejected!.Value], [kl[..g.B].Average(), kl[g.B..].Average()]);
        }
        if (metrics.FeatureDivergenceChosen is { } dChosen)
        {
            var d = g.Read($"{fixture}.d");
            PreferenceFixture.AssertClose($"{fixture}.d_fpo (means)", [dChosen, metrics.FeatureDivergenceRejected!.Value], [d[..g.B].Average(), d[g.B..].Average()]);
        }
        g.AssertGradients(policy, fixture);
    }

    /// <summary>The fixture without the stop-gradient differs far beyond the tolerance, so a missing sg would fail the test above.</summary>
    [Theory]
    [InlineData("tdpo2", "tdpo2_nosg")]
    [InlineData("fpo_relu", "fpo_relu_nosg")]
    [InlineData("tdpo2", "tdpo1")]
    [InlineData("fpo_relu", "fpo_relu_policy_topk")]
    public void TheFixtureTellsTheStopGradientAndTheSelectionApart(string fixture, string other)
    {
        using var g = new PreferenceFixture();
        var (policy, _) = RunStep(g, fixture);
        var same = g.MaxGradientDifference(policy, fixture);
        var different = g.MaxGradientDifference(policy, other);
        Console.WriteLine($"{fixture}: max gradient difference {same:E2} to its fixture, {different:E2} to {other}");
        Assert.True(same < 1e-4f, $"{fixture}: {same}");
        Assert.True(different > 1e-2f, $"{fixture} vs {other}: gradients differ by only {different:E2} of their scale");
    }

    private static (TransformerModel Policy, PreferenceMetrics Metrics) RunStep(PreferenceFixture g, string fixture)
    {
        var policy = PreferenceFixture.LoadModel("pref_policy");
        var arch = fixture.StartsWith("fpo_", StringComparison.Ordinal) ? fixture.Split('_')[1] : null;
        PreferenceLossSettings settings = fixture switch
        {
            "dpo" => new DpoSettings(),
            "simpo" => new SimPoSettings(),
            "tdpo1" => new Tdpo1Settings(),
            "tdpo2" => new Tdpo2Settings(),
            _ => new FpoSettings { TopK = PreferenceFixture.TopK, PolicyOnlyTopK = fixture.EndsWith("policy_topk", StringComparison.Ordinal) },
        };
        var reference = settings is Tdpo1Settings or Tdpo2Settings ? PreferenceFixture.LoadModel("pref_reference") : null;
        var step = new PreferenceStep(policy, settings, reference, arch is null ? null : g.Sae(arch));
        policy.ZeroGrad();
        var metrics = step.Run(g.Batch(arch));
        return (policy, metrics);
    }
}
