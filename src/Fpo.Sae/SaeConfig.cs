namespace Fpo.Sae;

/// <summary>
/// Shape and architecture of one sparse autoencoder over a model's residual stream:
/// pre = (x − b_dec·[ApplyDecoderBiasToInput]) W_encᵀ + b_enc, codes = act(pre), x̂ = codes W_dec + b_dec.
/// </summary>
public sealed record SaeConfig
{
    public required SaeArchitecture Architecture { get; init; }

    /// <summary>Width of the input (the model's channels C), d_in.</summary>
    public required int InputSize { get; init; }

    /// <summary>Number of latents, d_sae.</summary>
    public required int Latents { get; init; }

    /// <summary>Active latents per token for TopK and BatchTopK (0 for the others).</summary>
    public int K { get; init; }

    /// <summary>Bandwidth ε of the JumpReLU straight-through estimator's rectangle kernel.</summary>
    public float Bandwidth { get; init; } = 0.001f;

    /// <summary>Subtract b_dec from the input before encoding (SAELens apply_b_dec_to_input).</summary>
    public bool ApplyDecoderBiasToInput { get; init; } = true;

    /// <summary>Residual-stream layer the SAE reads: resid_post of this block (SAELens hook blocks.{L}.hook_resid_post).</summary>
    public int Layer { get; init; }

    /// <summary>Model the SAE was trained on (informational; SAELens model_name).</summary>
    public string ModelName { get; init; } = "";

    /// <summary>Checks ranges (positive sizes, K in [1, Latents] for TopK/BatchTopK, positive finite bandwidth) and returns this.</summary>
    public SaeConfig Validate() => SaeConfigValidation.Check(this);
}
