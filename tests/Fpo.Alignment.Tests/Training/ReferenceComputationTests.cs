using Fpo.Alignment.Tests.Losses;
using Fpo.Alignment.Training;

namespace Fpo.Alignment.Tests.Training;

/// <summary>The offline reference data against the reference model and SAEs of preference_losses.py.</summary>
public class ReferenceComputationTests
{
    [Theory]
    [InlineData("relu")]
    [InlineData("jumprelu")]
    [InlineData("topk")]
    public void LogProbsAndPooledFeaturesMatchPyTorch(string arch)
    {
        using var g = new PreferenceFixture();
        var sae = g.Sae(arch);
        var computation = new ReferenceComputation(PreferenceFixture.LoadModel("pref_reference"), sae, "golden-" + arch, keepLatents: PreferenceFixture.Latents);
        var pairs = computation.Compute(g.Pairs, batchSize: 2);

        Assert.Equal(g.Pairs.Select(p => p.Id), pairs.Select(p => p.Id));
        var B = g.B;
        var F = PreferenceFixture.Latents;
        var sums = new float[2 * B];
        var means = new float[2 * B];
        var cbar = new float[2 * B * F];
        for (var i = 0; i < B; i++)
        {
            var r = pairs[i].Reference!;
            Assert.Equal(PreferenceFixture.Layer, r.SaeLayer);
            Assert.Equal("golden-" + arch, r.SaeId);
            (sums[i], sums[B + i]) = ((float)r.ChosenLogProbSum, (float)r.RejectedLogProbSum);
            (means[i], means[B + i]) = ((float)r.ChosenLogProbMean, (float)r.RejectedLogProbMean);
            r.ChosenFeatures!.ToDense(cbar.AsSpan(i * F, F));
            r.RejectedFeatures!.ToDense(cbar.AsSpan((B + i) * F, F));
        }
        PreferenceFixture.AssertClose("ref_sum", sums, g.Read("ref_sum"));
        PreferenceFixture.AssertClose("ref_mean", means, g.Read("ref_mean"));
        PreferenceFixture.AssertClose($"ref_cbar.{arch}", cbar, g.Read($"ref_cbar.{arch}"));
    }

    [Fact]
    public void KeepsOnlyTheLargestLatentsAndNoFeaturesWithoutAnSae()
    {
        using var g = new PreferenceFixture();
        var reference = PreferenceFixture.LoadModel("pref_reference");
        var kept = new ReferenceComputation(reference, g.Sae("relu"), "relu", keepLatents: 4).Compute(g.Pairs);
        var cbar = g.Read("ref_cbar.relu");
        for (var i = 0; i < g.B; i++)
        {
            var features = kept[i].Reference!.ChosenFeatures!;
            Assert.Equal(4, features.Count);
            var row = cbar.AsSpan(i * PreferenceFixture.Latents, PreferenceFixture.Latents).ToArray();
            var fourth = row.OrderDescending().ElementAt(3);
            Assert.All(features.Values, v => Assert.True(v >= fourth * (1 - 1e-5f), $"kept {v} below the 4th largest {fourth}"));
        }
        var plain = new ReferenceComputation(reference).Compute(g.Pairs);
        Assert.All(plain, p => Assert.False(p.Reference!.HasFeatures));
        Assert.All(plain, p => Assert.Null(p.Reference!.SaeLayer));
    }
}
