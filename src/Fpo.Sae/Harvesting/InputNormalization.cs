namespace Fpo.Sae.Harvesting;

/// <summary>
/// SAELens' "expected_average_only_in" normalisation: activations are multiplied by s = √D / E‖x‖ so their mean norm
/// is √D, which makes learning rates and L1 coefficients transfer across models and layers. The scale is folded
/// into the weights on save, so the saved SAE reads raw activations and users never see s.
/// </summary>
public static class InputNormalization
{
    /// <summary>s = √D / mean row norm of rows (N, D).</summary>
    public static float EstimateScale(ReadOnlySpan<float> rows, int D)
    {
        if (D <= 0 || rows.Length == 0 || rows.Length % D != 0)
            throw new ArgumentException($"{rows.Length} floats are not a non-empty set of rows of {D}", nameof(rows));
        var N = rows.Length / D;
        double sum = 0;
        for (var n = 0; n < N; n++) sum += Math.Sqrt(System.Numerics.Tensors.TensorPrimitives.Dot(rows.Slice(n * D, D), rows.Slice(n * D, D)));
        var mean = sum / N;
        if (!(mean > 0) || !double.IsFinite(mean)) throw new ArgumentException($"the mean activation norm is {mean}: cannot normalise", nameof(rows));
        return (float)(Math.Sqrt(D) / mean);
    }

    /// <summary>
    /// Turns an SAE trained on s·x into the same SAE on x: with pre = (s·x − b_dec)W_encᵀ + b_enc and
    /// x̂ = (codes·W_dec + b_dec)/s, scaling W_enc by s and dividing W_dec and b_dec by s gives identical codes and
    /// x̂ = codes·W_dec' + b_dec' on raw x. Biases of the encoder and thresholds are unchanged.
    /// </summary>
    public static void Fold(SaeWeights weights, float scale)
    {
        if (!(scale > 0) || !float.IsFinite(scale)) throw new ArgumentOutOfRangeException(nameof(scale), scale, "the input scale must be positive and finite");
        System.Numerics.Tensors.TensorPrimitives.Multiply(weights.EncoderWeight, scale, weights.EncoderWeight);
        System.Numerics.Tensors.TensorPrimitives.Divide(weights.DecoderWeight, scale, weights.DecoderWeight);
        System.Numerics.Tensors.TensorPrimitives.Divide(weights.DecoderBias, scale, weights.DecoderBias);
    }
}
