namespace Fpo.Sae;

/// <summary>The architecture's activation: dense pre-activations to sparse codes, and sparse code gradients back.</summary>
public static class SaeActivation
{
    /// <summary>In training, JumpReLU also lists the latents within ε/2 below threshold (code 0) for its STE. At inference
    /// BatchTopK is the JumpReLU it is saved as: its Threshold (one value repeated per latent) replaces the batch cut, so a
    /// token's codes do not depend on the rest of the batch.</summary>
    // codes (B rows), pre (B,F), threshold (F) (JumpReLU)
    public static void Forward(SparseCodes codes, float[] pre, float[] threshold, SaeConfig config, bool training, int B)
    {
        var F = config.Latents;
        switch (config.Architecture)
        {
            case SaeArchitecture.ReLU: ReLUActivation.Forward(codes, pre, B, F); break;
            case SaeArchitecture.TopK: TopKActivation.Forward(codes, pre, config.K, B, F); break;
            case SaeArchitecture.BatchTopK when training: BatchTopKActivation.Forward(codes, pre, config.K, B, F); break;
            case SaeArchitecture.BatchTopK: JumpReLUActivation.Forward(codes, pre, threshold, 0, B, F); break;
            case SaeArchitecture.JumpReLU: JumpReLUActivation.Forward(codes, pre, threshold, training ? config.Bandwidth : 0, B, F); break;
            default: throw new ArgumentOutOfRangeException(nameof(config), $"SAE architecture {config.Architecture} has no activation");
        }
    }

    /// <summary>dpre (nnz, set) from dcodes (nnz): equal on listed latents for ReLU/TopK/BatchTopK (every listed code is
    /// positive, so relu passes the gradient); JumpReLU gates it and adds its threshold gradient.</summary>
    // dpre (nnz), dthreshold (F) +=, dcodes (nnz), codes, pre (B,F), threshold (F)
    public static void Backward(float[] dpre, float[] dthreshold, float[] dcodes, SparseCodes codes, float[] pre, float[] threshold,
        SaeConfig config, int B)
    {
        if (config.Architecture is SaeArchitecture.JumpReLU)
            JumpReLUActivation.Backward(dpre, dthreshold, dcodes, codes, pre, threshold, config.Bandwidth, B, config.Latents);
        else
            Array.Copy(dcodes, dpre, codes.Count);
    }
}
