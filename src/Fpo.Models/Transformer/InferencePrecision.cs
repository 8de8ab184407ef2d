namespace Fpo.Models.Transformer;

/// <summary>The weight format inference reads (training always uses the fp32 parameters).</summary>
public enum InferencePrecision
{
    /// <summary>The fp32 parameters themselves: exact, the default.</summary>
    Float32,

    /// <summary>
    /// Matrices rounded once to bfloat16 (to nearest even), activations and accumulation in fp32: half the bytes
    /// a decode step streams, logits within bf16 rounding of fp32.
    /// </summary>
    BFloat16,
}
