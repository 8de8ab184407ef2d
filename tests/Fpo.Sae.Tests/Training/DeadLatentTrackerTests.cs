using Fpo.Sae.Training;

namespace Fpo.Sae.Tests.Training;

public sealed class DeadLatentTrackerTests
{
    // codes over F = 4 latents for B = 2 rows: row 0 fires latent 1, row 1 lists latent 2 with a zero code (not a firing)
    private static SparseCodes Codes(params (int Row, int Latent, float Value)[] entries)
    {
        var pre = new float[2 * 4];
        foreach (var (row, latent, value) in entries) pre[row * 4 + latent] = value;
        var codes = new SparseCodes();
        ReLUActivation.Forward(codes, pre, 2, 4);
        return codes;
    }

    [Fact]
    public void LatentsDieAfterTheWindowWithoutFiringAndReviveWhenTheyFire()
    {
        var tracker = new DeadLatentTracker(4, windowTokens: 4);
        tracker.Update(Codes((0, 1, 0.5f), (1, 3, 2f)), 2);
        Assert.Equal([2L, 0, 2, 0], tracker.TokensSinceFired);
        tracker.Update(Codes((0, 1, 0.5f)), 2);
        Assert.Equal(0, tracker.DeadCount);  // 4 tokens is not more than the window
        tracker.Update(Codes((1, 1, 0.1f)), 2);
        Assert.Equal([6L, 0, 6, 4], tracker.TokensSinceFired);
        Assert.Equal([true, false, true, false], tracker.Dead.ToArray());
        Assert.Equal(0.5, tracker.DeadFraction);
        tracker.Update(Codes((0, 0, 1f)), 2);
        Assert.Equal([false, false, true, true], tracker.Dead.ToArray());
    }

    [Fact]
    public void RestoreRecomputesTheMask()
    {
        var tracker = new DeadLatentTracker(3, windowTokens: 10);
        tracker.Restore([11, 10, 0]);
        Assert.Equal([true, false, false], tracker.Dead.ToArray());
        Assert.Throws<ArgumentException>(() => tracker.Restore([1, 2]));
    }
}
