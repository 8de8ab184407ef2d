using System.Numerics.Tensors;
using Fpo.Tensors;

namespace Fpo.Sae.Training;

/// <summary>
/// Unit-norm decoder rows for TopK and BatchTopK (Gao et al. 2024): their selection only compares pre-activations, so
/// nothing stops the SAE from shrinking codes and growing decoder rows; fixing ‖W_dec[j]‖ = 1 pins the scale of the
/// codes. Before each step the gradient's component along each row is removed (it would only change the norm the
/// projection then undoes, and it would pollute Adam's moments); after each step rows are renormalised.
/// ReLU needs no constraint: its L1 penalty is weighted by the row norms, so growing a row costs as much as it saves.
/// JumpReLU trains without one too, as Gemma Scope does (its L0 penalty does not reward shrinking codes).
/// </summary>
public static class DecoderNormConstraint
{
    public static bool Applies(SaeArchitecture architecture) => architecture is SaeArchitecture.TopK or SaeArchitecture.BatchTopK;

    /// <summary>g[j] −= (g[j]·w[j]) w[j] for unit rows w[j].</summary>
    // grad (F,D), weight (F,D)
    public static void RemoveParallelGradient(float[] grad, float[] weight, int F, int D)
    {
        ComputeThreads.For(F, (f0, f1) =>
        {
            for (var f = f0; f < f1; f++)
            {
                var g = grad.AsSpan(f * D, D);
                var w = weight.AsSpan(f * D, D);
                var along = TensorPrimitives.Dot(g, w);
                if (along != 0) TensorPrimitives.MultiplyAdd(w, -along, g, g);
            }
        }, minRange: 64);
    }

    /// <summary>Scales every row to norm 1 (a zero row is left as it is).</summary>
    // weight (F,D)
    public static void NormalizeRows(float[] weight, int F, int D)
    {
        ComputeThreads.For(F, (f0, f1) =>
        {
            for (var f = f0; f < f1; f++)
            {
                var w = weight.AsSpan(f * D, D);
                var norm = TensorPrimitives.Norm(w);
                if (norm > 0) TensorPrimitives.Divide(w, norm, w);
            }
        }, minRange: 64);
    }
}
