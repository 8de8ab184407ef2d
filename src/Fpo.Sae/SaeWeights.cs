namespace Fpo.Sae;

/// <summary>
/// The parameters of one SAE, fp32, row-major. Both matrices keep one row per latent so that the sparse kernels touch
/// only the rows of active latents: W_enc is stored as (d_sae, d_in), the transpose of SAELens' [d_in, d_sae]
/// (loaders and savers transpose); W_dec is (d_sae, d_in) as in SAELens.
/// </summary>
public sealed class SaeWeights
{
    public SaeConfig Config { get; }

    public float[] EncoderWeight { get; }  // (d_sae, d_in)
    public float[] EncoderBias { get; }    // (d_sae)
    public float[] DecoderWeight { get; }  // (d_sae, d_in)
    public float[] DecoderBias { get; }    // (d_in)
    public float[] Threshold { get; }      // (d_sae) JumpReLU and BatchTopK-for-inference; empty otherwise

    /// <summary>Zero-filled weights of the given shape.</summary>
    public SaeWeights(SaeConfig config)
    {
        Config = config.Validate();
        int D = config.InputSize, F = config.Latents;
        EncoderWeight = new float[(long)F * D];
        EncoderBias = new float[F];
        DecoderWeight = new float[(long)F * D];
        DecoderBias = new float[D];
        Threshold = config.Architecture is SaeArchitecture.JumpReLU or SaeArchitecture.BatchTopK ? new float[F] : [];
    }
}
