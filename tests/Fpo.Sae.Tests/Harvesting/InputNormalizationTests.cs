using Fpo.Sae.Harvesting;

namespace Fpo.Sae.Tests.Harvesting;

public sealed class InputNormalizationTests
{
    [Fact]
    public void ScaledRowsHaveMeanNormSqrtD()
    {
        const int D = 16, N = 50;
        var random = new Random(2);
        var rows = Enumerable.Range(0, N * D).Select(_ => (float)(random.NextDouble() * 6 - 3)).ToArray();
        var s = InputNormalization.EstimateScale(rows, D);
        double mean = 0;
        for (var n = 0; n < N; n++) mean += Math.Sqrt(rows.AsSpan(n * D, D).ToArray().Sum(v => (double)v * v * s * s)) / N;
        Assert.Equal(Math.Sqrt(D), mean, 4);
        Assert.Throws<ArgumentException>(() => InputNormalization.EstimateScale(new float[D], D));
    }

    [Fact]
    public void AFoldedSaeOnRawInputsEqualsTheTrainedSaeOnScaledInputs()
    {
        const int D = 8, F = 12;
        var random = new Random(4);
        float R() => (float)(random.NextDouble() - 0.5);
        var weights = new SaeWeights(new SaeConfig { Architecture = SaeArchitecture.ReLU, InputSize = D, Latents = F });
        foreach (var a in new[] { weights.EncoderWeight, weights.EncoderBias, weights.DecoderWeight, weights.DecoderBias })
            for (var i = 0; i < a.Length; i++) a[i] = R();
        var x = Enumerable.Range(0, D).Select(_ => R() * 10).ToArray();
        const float s = 0.37f;

        var trained = Reconstruct(weights, x.Select(v => v * s).ToArray()).Select(v => v / s).ToArray();
        InputNormalization.Fold(weights, s);
        var folded = Reconstruct(weights, x);
        for (var d = 0; d < D; d++) Assert.Equal(trained[d], folded[d], 4);
    }

    // x̂ of a ReLU SAE written out plainly: pre = (x − b_dec)W_encᵀ + b_enc, x̂ = relu(pre)W_dec + b_dec
    private static float[] Reconstruct(SaeWeights w, float[] x)
    {
        int D = w.Config.InputSize, F = w.Config.Latents;
        var xhat = (float[])w.DecoderBias.Clone();
        for (var j = 0; j < F; j++)
        {
            double pre = w.EncoderBias[j];
            for (var d = 0; d < D; d++) pre += (x[d] - w.DecoderBias[d]) * w.EncoderWeight[j * D + d];
            if (pre <= 0) continue;
            for (var d = 0; d < D; d++) xhat[d] += (float)pre * w.DecoderWeight[j * D + d];
        }
        return xhat;
    }
}
