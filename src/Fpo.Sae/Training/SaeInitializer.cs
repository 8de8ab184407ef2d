using System.Numerics.Tensors;
using Fpo.Models.Sampling;

namespace Fpo.Sae.Training;

/// <summary>
/// Starting weights: decoder rows in uniformly random directions (normalised Gaussians) of norm
/// <see cref="SaeTrainingSettings.DecoderInitNorm"/>, the encoder its transpose (W_enc = W_decᵀ: in our (F,D) layout
/// a copy), so each latent starts by detecting the direction it writes; b_enc 0; b_dec from the data, so the encoder
/// starts centred on the activations; JumpReLU thresholds at their initial value. TopK and BatchTopK decoder rows are
/// then scaled to unit norm, the constraint they train under (<see cref="DecoderNormConstraint"/>); their encoder keeps
/// the small init norm, which only scales pre-activations, and selection is scale-free.
/// </summary>
public static class SaeInitializer
{
    /// <summary>Initialises <paramref name="weights"/> from the seed and a sample (N,D) of the training inputs (already normalised).</summary>
    public static void Initialize(SaeWeights weights, SaeTrainingSettings settings, ReadOnlySpan<float> sample, int N)
    {
        var c = weights.Config;
        int D = c.InputSize, F = c.Latents;
        var random = new SequenceRandom((ulong)settings.Seed, sampleIndex: 1);
        for (var f = 0; f < F; f++)
        {
            var row = weights.DecoderWeight.AsSpan(f * D, D);
            float norm;
            do
            {
                for (var d = 0; d < D; d++) row[d] = (float)random.NextGaussian();
                norm = TensorPrimitives.Norm(row);
            } while (norm == 0);
            TensorPrimitives.Multiply(row, settings.DecoderInitNorm / norm, row);
        }
        weights.DecoderWeight.CopyTo(weights.EncoderWeight, 0);
        Array.Clear(weights.EncoderBias);
        if (DecoderNormConstraint.Applies(c.Architecture)) DecoderNormConstraint.NormalizeRows(weights.DecoderWeight, F, D);
        InitializeDecoderBias(weights.DecoderBias, settings.DecoderBiasInit, sample, N, D);
        var threshold = c.Architecture == SaeArchitecture.JumpReLU ? settings.JumpReLUInitThreshold : 0f;
        Array.Fill(weights.Threshold, threshold);
    }

    // bias (D), sample (N,D)
    public static void InitializeDecoderBias(Span<float> bias, DecoderBiasInit init, ReadOnlySpan<float> sample, int N, int D)
    {
        switch (init)
        {
            case DecoderBiasInit.Zeros:
                bias.Clear();
                break;
            case DecoderBiasInit.Mean:
                var sum = new double[D];
                for (var n = 0; n < N; n++)
                    for (var d = 0; d < D; d++) sum[d] += sample[n * D + d];
                for (var d = 0; d < D; d++) bias[d] = (float)(sum[d] / N);
                break;
            case DecoderBiasInit.GeometricMedian:
                GeometricMedian.Compute(bias, sample, N, D);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(init), init, "unknown decoder bias init");
        }
    }
}
