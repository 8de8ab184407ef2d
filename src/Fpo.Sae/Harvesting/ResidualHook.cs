namespace Fpo.Sae.Harvesting;

/// <summary>Where on the residual stream activations are read (TransformerLens names).</summary>
public enum ResidualHook
{
    /// <summary>blocks.{l}.hook_resid_post: the residual after block l.</summary>
    ResidPost,

    /// <summary>blocks.{l}.hook_resid_pre: the residual entering block l, i.e. resid_post of block l−1 (l ≥ 1).</summary>
    ResidPre,
}
