using Fpo.Alignment.Preferences;

namespace Fpo.Alignment.Tests.Losses;

public class FeatureSelectionTests
{
    [Fact]
    public void TopPositiveTakesTheLargestPositiveEntriesWithTiesToTheLowerLatent()
    {
        float[] v = [0.5f, 0f, 2f, 0.5f, -3f, 1f, 0.5f];
        Assert.Equal([2, 5, 0, 3], LatentRanking.TopPositive(v, 4));
        Assert.Equal([2, 5, 0, 3, 6], LatentRanking.TopPositive(v, 50));
        Assert.Empty(LatentRanking.TopPositive(new float[5], 3));
    }

    [Fact]
    public void SparseFeaturesKeepTheTopEntriesInLatentOrder()
    {
        float[] dense = [0f, 3f, 0.25f, 7f, 0f, 1f];
        var top = SparseFeatures.Top(dense, 3);
        Assert.Equal([1, 3, 5], top.Latents);
        Assert.Equal([3f, 7f, 1f], top.Values);
        Assert.Equal(7f, top[3]);
        Assert.Equal(0f, top[2]);
        var back = new float[6];
        top.ToDense(back);
        Assert.Equal([0f, 3f, 0f, 7f, 0f, 1f], back);
        Assert.Throws<ArgumentException>(() => top.ToDense(new float[4]));
        Assert.Throws<ArgumentException>(() => new SparseFeatures([2, 2], [1f, 1f]));
    }
}
