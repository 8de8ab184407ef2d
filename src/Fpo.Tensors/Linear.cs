namespace Fpo.Tensors;

/// <summary>out = inp @ weight^T + bias; weight (OC, C) as torch.nn.Linear.</summary>
public static class Linear
{
    // outp (N,OC), inp (N,C), weight (OC,C), bias (OC) or empty
    public static void Forward(Span<float> outp, ReadOnlySpan<float> inp, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, int N, int C, int OC)
    {
        const string K = "Linear.Forward";
        Check(K, outp.Length, inp.Length, weight.Length, N, C, OC);
        if (!bias.IsEmpty) KernelArgs.Length(bias.Length, OC, K, "bias", "OC");
        if (N == 0 || OC == 0) return;
        float beta = 0;
        if (!bias.IsEmpty)
        {
            // the bias is broadcast into outp first so the GEMM accumulates onto it in one pass
            for (var n = 0; n < N; n++) bias[..OC].CopyTo(outp.Slice(n * OC, OC));
            beta = 1;
        }
        Gemm.Multiply(false, true, N, OC, C, 1f, inp, C, weight, C, beta, outp, OC);
    }

    // dinp (N,C) +=, dweight (OC,C) +=, dbias (OC) += (skip when empty)
    public static void Backward(Span<float> dinp, Span<float> dweight, Span<float> dbias, ReadOnlySpan<float> dout, ReadOnlySpan<float> inp, ReadOnlySpan<float> weight, int N, int C, int OC)
    {
        const string K = "Linear.Backward";
        Check(K, dout.Length, inp.Length, weight.Length, N, C, OC);
        KernelArgs.Length(dinp.Length, (long)N * C, K, "dinp", "N*C");
        KernelArgs.Length(dweight.Length, (long)OC * C, K, "dweight", "OC*C");
        if (!dbias.IsEmpty) KernelArgs.Length(dbias.Length, OC, K, "dbias", "OC");
        if (N == 0 || OC == 0 || C == 0) return;
        Gemm.Multiply(false, false, N, C, OC, 1f, dout, OC, weight, C, 1f, dinp, C);
        Gemm.Multiply(true, false, OC, C, N, 1f, dout, OC, inp, C, 1f, dweight, C);
        if (dbias.IsEmpty) return;
        for (var n = 0; n < N; n++)
        {
            var d = dout.Slice(n * OC, OC);
            System.Numerics.Tensors.TensorPrimitives.Add(dbias[..OC], d, dbias[..OC]);
        }
    }

    private static void Check(string kernel, int outLength, int inpLength, int weightLength, int N, int C, int OC)
    {
        KernelArgs.Positive(N, kernel, nameof(N));
        KernelArgs.Positive(C, kernel, nameof(C));
        KernelArgs.Positive(OC, kernel, nameof(OC));
        KernelArgs.Length(outLength, (long)N * OC, kernel, "outp/dout", "N*OC");
        KernelArgs.Length(inpLength, (long)N * C, kernel, "inp", "N*C");
        KernelArgs.Length(weightLength, (long)OC * C, kernel, "weight", "OC*C");
    }
}
