namespace Fpo.Sae;

/// <summary>Weights of the training losses beside the reconstruction; each applies only to its architecture.</summary>
public sealed record SaeLossSettings
{
    /// <summary>λ of ReLU's decoder-norm-weighted L1 penalty.</summary>
    public float L1Coefficient { get; init; } = 5f;

    /// <summary>λ of JumpReLU's L0 penalty.</summary>
    public float L0Coefficient { get; init; } = 1f;

    /// <summary>α of TopK's and BatchTopK's AuxK loss.</summary>
    public float AuxKCoefficient { get; init; } = AuxKLoss.DefaultCoefficient;

    /// <summary>k_aux, dead latents that reconstruct the error; 0 means 2·K.</summary>
    public int AuxKLatents { get; init; }

    public int AuxLatentsFor(SaeConfig config) => AuxKLatents > 0 ? AuxKLatents : 2 * config.K;
}

/// <summary>The losses of one training forward pass; Total is what the backward pass differentiates.</summary>
public readonly record struct SaeLosses(float Reconstruction, float Sparsity, float AuxK, double MeanL0)
{
    public float Total => Reconstruction + Sparsity + AuxK;
}
