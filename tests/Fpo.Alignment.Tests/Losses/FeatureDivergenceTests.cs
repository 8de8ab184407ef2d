using Fpo.Alignment.Losses;
using Fpo.Alignment.Preferences;
using Fpo.Sae;

namespace Fpo.Alignment.Tests.Losses;

public class FeatureDivergenceTests
{
    private const int R = 2, T = 5, D = 8, F = 40, K = 3;

    /// <summary>The backward reads W_enc only in the rows of I_k: poisoning every other row with NaN leaves dresid finite.</summary>
    [Fact]
    public void TheBackwardTouchesOnlyTheLatentsOfIk()
    {
        var random = new Random(7);
        var sae = new SaeWeights(new SaeConfig { Architecture = SaeArchitecture.ReLU, InputSize = D, Latents = F });
        for (var i = 0; i < sae.EncoderWeight.Length; i++) sae.EncoderWeight[i] = (float)(random.NextDouble() * 2 - 1);
        var resid = new float[R * T * D];  // (R,T,D)
        for (var i = 0; i < resid.Length; i++) resid[i] = (float)(random.NextDouble() * 2 - 1);
        int[] targets = [-1, 4, 9, -1, -1, 3, 3, 3, 3, -1];  // (R,T) responses of 2 and 4 tokens
        int[] lengths = [2, 4];
        SparseFeatures[] reference = [new([0, 5, 17], [0.3f, 1.2f, 0.8f]), SparseFeatures.Empty];
        var divergence = new FeatureDivergence(sae, K, policyOnly: false);
        var d = new float[R];
        divergence.Forward(d, resid, reference, targets, lengths, R, T);

        var used = new HashSet<int>();
        for (var r = 0; r < R; r++) used.UnionWith(divergence.Latents(r));
        Assert.InRange(divergence.Latents(0).Count, K, 2 * K);
        Assert.Superset(new HashSet<int> { 0, 5, 17 }, new HashSet<int>(divergence.Latents(0)));  // the reference's top-k is in the union
        Assert.Equal(K, divergence.Latents(1).Count);
        for (var j = 0; j < F; j++)
            if (!used.Contains(j)) sae.EncoderWeight.AsSpan(j * D, D).Fill(float.NaN);

        var dresid = new float[R * T * D];
        divergence.Backward(dresid, [1f, 0.5f], lengths, R);
        Assert.All(dresid, g => Assert.True(float.IsFinite(g)));
        for (var r = 0; r < R; r++)
            for (var t = 0; t < T; t++)
            {
                var row = dresid.AsSpan((r * T + t) * D, D).ToArray();
                if (targets[r * T + t] < 0) Assert.All(row, g => Assert.Equal(0f, g));
            }
        Assert.Contains(dresid, g => g != 0);
    }
}
