namespace Fpo.Tensors;

/// <summary>
/// Fused softmax + cross-entropy over V: losses[n] = -log softmax(logits[n])[targets[n]]; targets[n] &lt; 0 means ignored (loss 0).
/// </summary>
public static class CrossEntropy
{
    // losses (N), probs (N,V) kept for backward, logits (N,V), targets (N)
    public static void Forward(Span<float> losses, Span<float> probs, ReadOnlySpan<float> logits, ReadOnlySpan<int> targets, int N, int V) => throw new NotImplementedException();
    // dlogits[n] = (probs[n] - onehot(target[n])) * dlosses[n] (overwrites dlogits; ignored rows get 0)
    public static void Backward(Span<float> dlogits, ReadOnlySpan<float> dlosses, ReadOnlySpan<float> probs, ReadOnlySpan<int> targets, int N, int V) => throw new NotImplementedException();
}
