namespace Fpo.Sae.Training;

/// <summary>How b_dec starts: from the first buffer of (normalised) activations, or at zero.</summary>
public enum DecoderBiasInit
{
    /// <summary>The geometric median of the sample (Weiszfeld), robust to the few huge-norm outlier tokens of a residual stream.</summary>
    GeometricMedian,

    /// <summary>The sample mean.</summary>
    Mean,

    /// <summary>Zero.</summary>
    Zeros,
}
