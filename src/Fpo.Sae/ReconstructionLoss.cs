using System.Numerics.Tensors;

namespace Fpo.Sae;

/// <summary>
/// SAELens' reconstruction loss: squared error summed over the D inputs, averaged over the B tokens,
/// L = (1/B) Σ_b ‖x̂_b − x_b‖² (not the mean over B·D; that would be this divided by D).
/// </summary>
public static class ReconstructionLoss
{
    // xhat (B,D), x (B,D)
    public static float Forward(ReadOnlySpan<float> xhat, ReadOnlySpan<float> x, int B, int D)
    {
        double sum = 0;
        for (var b = 0; b < B; b++)
        {
            var d = TensorPrimitives.Distance(xhat.Slice(b * D, D), x.Slice(b * D, D));
            sum += (double)d * d;
        }
        return (float)(sum / B);
    }

    /// <summary>dx̂ += (2/B)·(x̂ − x)·dloss.</summary>
    // dxhat (B,D) +=, xhat (B,D), x (B,D)
    public static void Backward(Span<float> dxhat, ReadOnlySpan<float> xhat, ReadOnlySpan<float> x, float dloss, int B, int D)
    {
        var scale = 2f * dloss / B;
        for (var i = 0; i < B * D; i++) dxhat[i] += scale * (xhat[i] - x[i]);
    }
}
