using Fpo.Grains.Stores;
using Fpo.Grains.Roles;
using Fpo.Sae.Statistics;

namespace Fpo.Grains.Tests.Roles;

public sealed class FeatureStatsGrainTests : GrainTestRun
{
    [Fact]
    public async Task Top_shifts_rank_latents_by_the_change_of_their_mean_activation_per_token()
    {
        var policy = new FeatureStatistics(8, 0, 0);
        policy.AddSequence(0, [1, 2], [0, 2, 3], [1, 4, 4], [2f, 1f, 1f]);  // latent 1: 2 over 2 tokens, latent 4: 2
        var reference = new FeatureStatistics(8, 0, 0);
        reference.AddSequence(0, [1, 2, 3, 4], [0, 1, 2, 3, 4], [1, 1, 6, 6], [1f, 1f, 1f, 1f]);  // latent 1: 2 over 4 tokens, latent 6: 2
        await Stores.FeatureStats.MergeAsync(new FeatureStatsKey(3, FeatureSide.Policy), "d1", policy, Ct);
        await Stores.FeatureStats.MergeAsync(new FeatureStatsKey(3, FeatureSide.Reference), "d2", reference, Ct);
        var grain = new FeatureStatsGrain(Stores.FeatureStats);

        var shifts = await grain.TopShiftsAsync(3, 2, Ct);

        Assert.Equal([4, 1], shifts.Select(s => s.Latent));
        Assert.Equal(1.0, shifts[0].PolicyMean, 9);
        Assert.Equal(0.0, shifts[0].ReferenceMean);
        Assert.Equal(1.0 - 0.5, shifts[1].Shift, 9);
        Assert.Empty(await grain.TopShiftsAsync(4, 2, Ct));
    }
}
