namespace Fpo.Tensors;

/// <summary>
/// Causal multi-head attention with grouped KV heads over a fused qkv row per token:
/// qkv (B,T,(NH+2*NKV)*HS) = [q heads NH | k heads NKV | v heads NKV]; query head h reads kv head h / (NH/NKV).
/// att[b,h,t,s] = softmax over s &lt;= t of (q.k / sqrt(HS)); outp (B,T,NH*HS) = att @ v.
/// </summary>
public static class Attention
{
    // outp (B,T,NH*HS), att (B,NH,T,T) probabilities kept for backward (upper triangle 0)
    public static void Forward(Span<float> outp, Span<float> att, ReadOnlySpan<float> qkv, int B, int T, int NH, int NKV, int HS) => throw new NotImplementedException();
    // dqkv (B,T,(NH+2NKV)*HS) +=; datt (B,NH,T,T) scratch (overwritten)
    public static void Backward(Span<float> dqkv, Span<float> datt, ReadOnlySpan<float> dout, ReadOnlySpan<float> qkv, ReadOnlySpan<float> att, int B, int T, int NH, int NKV, int HS) => throw new NotImplementedException();
}
