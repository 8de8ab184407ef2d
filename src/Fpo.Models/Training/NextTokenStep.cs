using Fpo.Models.Optimization;
using Fpo.Models.Transformer;

namespace Fpo.Models.Training;

/// <summary>One pre-training step on a batch (B,T): forward + cross-entropy (targets −1 ignored), backward, the global
/// gradient norm clipped to <c>gradientClip</c>, and AdamW at <c>learningRate</c>.</summary>
public static class NextTokenStep
{
    public static (float Loss, float GradientNorm) Take(TransformerModel model, AdamW optimizer, ReadOnlySpan<int> tokens, ReadOnlySpan<int> targets,
        int B, int T, float learningRate, float gradientClip)
    {
        var loss = model.ForwardLoss(tokens, targets, B, T);
        model.ZeroGrad();
        model.Backward();
        var norm = GradientClipping.GlobalNorm(model.Gradients);
        optimizer.Step(learningRate, GradientClipping.ClipScale(norm, gradientClip));
        return (loss, norm);
    }
}
