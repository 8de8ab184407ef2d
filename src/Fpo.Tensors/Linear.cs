namespace Fpo.Tensors;

/// <summary>out = inp @ weight^T + bias; weight (OC, C) as torch.nn.Linear.</summary>
public static class Linear
{
    // outp (N,OC), inp (N,C), weight (OC,C), bias (OC) or empty
    public static void Forward(Span<float> outp, ReadOnlySpan<float> inp, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, int N, int C, int OC) => throw new NotImplementedException();
    // dinp (N,C) +=, dweight (OC,C) +=, dbias (OC) += (skip when empty)
    public static void Backward(Span<float> dinp, Span<float> dweight, Span<float> dbias, ReadOnlySpan<float> dout, ReadOnlySpan<float> inp, ReadOnlySpan<float> weight, int N, int C, int OC) => throw new NotImplementedException();
}
