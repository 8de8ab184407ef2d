namespace Fpo.Tensors;

/// <summary>
/// Causal multi-head attention with grouped KV heads over a fused qkv row per token:
/// qkv (B,T,(NH+2*NKV)*HS) = [q heads NH | k heads NKV | v heads NKV]; query head h reads kv head h / (NH/NKV).
/// att[b,h,t,s] = softmax over s &lt;= t of (q.k / sqrt(HS)); outp (B,T,NH*HS) = att @ v.
/// </summary>
public static class Attention
{
    // outp (B,T,NH*HS), att (B,NH,T,T) probabilities kept for backward (upper triangle 0)
    public static void Forward(Span<float> outp, Span<float> att, ReadOnlySpan<float> qkv, int B, int T, int NH, int NKV, int HS)
    {
        const string K = "Attention.Forward";
        Check(K, outp.Length, att.Length, qkv.Length, B, T, NH, NKV, HS);
        if (B == 0 || T == 0 || NH == 0 || HS == 0) return;
        int R = (NH + 2 * NKV) * HS, C = NH * HS, group = NH / NKV;
        var scale = 1f / MathF.Sqrt(HS);
        for (var b = 0; b < B; b++)
            for (var h = 0; h < NH; h++)
            {
                var g = h / group;
                var q = qkv[(b * T * R + h * HS)..];
                var k = qkv[(b * T * R + (NH + g) * HS)..];
                var v = qkv[(b * T * R + (NH + NKV + g) * HS)..];
                var a = att.Slice((b * NH + h) * T * T, T * T);
                Gemm.Multiply(false, true, T, T, HS, scale, q, R, k, R, 0f, a, T);
                for (var t = 0; t < T; t++)
                {
                    var row = a.Slice(t * T, T);
                    Softmax.Row(row[..(t + 1)], row[..(t + 1)]);
                    row[(t + 1)..].Clear();
                }
                Gemm.Multiply(false, false, T, HS, T, 1f, a, T, v, R, 0f, outp[(b * T * C + h * HS)..], C);
            }
    }

    // dqkv (B,T,(NH+2NKV)*HS) +=; datt (B,NH,T,T) scratch (overwritten)
    public static void Backward(Span<float> dqkv, Span<float> datt, ReadOnlySpan<float> dout, ReadOnlySpan<float> qkv, ReadOnlySpan<float> att, int B, int T, int NH, int NKV, int HS)
    {
        const string K = "Attention.Backward";
        Check(K, dout.Length, datt.Length, qkv.Length, B, T, NH, NKV, HS);
        KernelArgs.Length(att.Length, (long)B * NH * T * T, K, "att", "B*NH*T*T");
        KernelArgs.Length(dqkv.Length, (long)B * T * (NH + 2 * NKV) * HS, K, "dqkv", "B*T*(NH+2*NKV)*HS");
        if (B == 0 || T == 0 || NH == 0 || HS == 0) return;
        int R = (NH + 2 * NKV) * HS, C = NH * HS, group = NH / NKV;
        var scale = 1f / MathF.Sqrt(HS);
        for (var b = 0; b < B; b++)
            for (var h = 0; h < NH; h++)
            {
                var g = h / group;
                int qOff = b * T * R + h * HS, kOff = b * T * R + (NH + g) * HS, vOff = b * T * R + (NH + NKV + g) * HS;
                var a = att.Slice((b * NH + h) * T * T, T * T);
                var da = datt.Slice((b * NH + h) * T * T, T * T);
                var d = dout[(b * T * C + h * HS)..];
                Gemm.Multiply(false, true, T, T, HS, 1f, d, C, qkv[vOff..], R, 0f, da, T);
                Gemm.Multiply(true, false, T, HS, T, 1f, a, T, d, C, 1f, dqkv[vOff..], R);
                // softmax backward in place: datt becomes the gradient of the scaled scores
                for (var t = 0; t < T; t++)
                {
                    var row = da.Slice(t * T, T);
                    var p = a.Slice(t * T, t + 1);
                    var dot = System.Numerics.Tensors.TensorPrimitives.Dot(row[..(t + 1)], p);
                    for (var s = 0; s <= t; s++) row[s] = p[s] * (row[s] - dot);
                    row[(t + 1)..].Clear();
                }
                Gemm.Multiply(false, false, T, HS, T, scale, da, T, qkv[kOff..], R, 1f, dqkv[qOff..], R);
                Gemm.Multiply(true, false, T, HS, T, scale, da, T, qkv[qOff..], R, 1f, dqkv[kOff..], R);
            }
    }

    private static void Check(string kernel, int outLength, int attLength, int qkvLength, int B, int T, int NH, int NKV, int HS)
    {
        KernelArgs.Positive(B, kernel, nameof(B));
        KernelArgs.Positive(T, kernel, nameof(T));
        KernelArgs.Positive(HS, kernel, nameof(HS));
        if (NH <= 0 || NKV <= 0 || NH % NKV != 0)
            throw new ArgumentException($"{kernel}: NH={NH} query heads must be a positive multiple of NKV={NKV} kv heads");
        KernelArgs.Length(outLength, (long)B * T * NH * HS, kernel, "outp/dout", "B*T*NH*HS");
        KernelArgs.Length(attLength, (long)B * NH * T * T, kernel, "att/datt", "B*NH*T*T");
        KernelArgs.Length(qkvLength, (long)B * T * (NH + 2 * NKV) * HS, kernel, "qkv", "B*T*(NH+2*NKV)*HS");
    }
}
