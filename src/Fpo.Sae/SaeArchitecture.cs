namespace Fpo.Sae;

/// <summary>The activation that turns encoder pre-activations into latent codes.</summary>
public enum SaeArchitecture
{
    /// <summary>relu(pre); trained with an L1 penalty weighted by decoder row norms.</summary>
    ReLU,

    /// <summary>The K largest pre-activations per token (after ReLU); trained with the AuxK dead-latent loss.</summary>
    TopK,

    /// <summary>The B×K largest pre-activations over a batch of B tokens; saved for inference as JumpReLU with one global threshold.</summary>
    BatchTopK,

    /// <summary>pre · [pre > threshold_j]; trained with a straight-through estimator (rectangle kernel, configurable bandwidth).</summary>
    JumpReLU,
}
