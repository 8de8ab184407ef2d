using Fpo.Tensors;

namespace Fpo.Models.Transformer;

// One transformer block, shared by training and inference: norm, fused qkv, RoPE | attention | projection,
// residual, norm, MLP, residual. The attention in the middle differs (full causal vs KV cache), so it is not here.
public sealed partial class TransformerModel
{
    // x.Ln1, x.Qkv of N rows at positions from residual (N, C)
    private void AttentionInput(LinearPath path, float[] a, in BlockViews x, ReadOnlySpan<float> residual, int l, ReadOnlySpan<int> positions, int N)
    {
        var P = Layout;
        Span<float> ln1 = x.Ln1.In(a), qkv = x.Qkv.In(a);
        NormForward(ln1, x.Ln1Mean.In(a), x.Ln1Rstd.In(a), residual, Par(P.Ln1w[l]), Par(P.Ln1b[l]), N);
        Project(path, qkv, ln1, P.Qkvw[l], P.Qkvb[l], N, C, QKV);
        if (_rope is not null)
        {
            _rope.Forward(qkv, positions, N, QKV, 0, NH);
            _rope.Forward(qkv, positions, N, QKV, NH * HS, NKV);
        }
    }

    // x.Residual3 (N, C) from residual (N, C) and the attention output x.Atty
    private void AttentionOutputAndMlp(LinearPath path, float[] a, in BlockViews x, ReadOnlySpan<float> residual, int l, int N)
    {
        var P = Layout;
        Span<float> attProj = x.AttProj.In(a), residual2 = x.Residual2.In(a), ln2 = x.Ln2.In(a);
        Span<float> mlpA = x.MlpA.In(a), mlpB = x.MlpB.In(a), mlpH = x.MlpH.In(a), fcProj = x.FcProj.In(a);
        Project(path, attProj, x.Atty.In(a), P.AttProjw[l], P.AttProjb[l], N, NH * HS, C);
        Residual.Forward(residual2, residual, attProj);
        NormForward(ln2, x.Ln2Mean.In(a), x.Ln2Rstd.In(a), residual2, Par(P.Ln2w[l]), Par(P.Ln2b[l]), N);
        Project(path, mlpA, ln2, P.Fcw[l], P.Fcb[l], N, C, H);
        if (!Config.IsGpt2) Project(path, mlpB, ln2, P.Upw[l], default, N, C, H);
        // The element-wise kernels take a scalar tail after the 16-lane part; on the decode paths they run row by row
        // so that where that tail falls never depends on the number of rows.
        var rows = path == LinearPath.Gemm ? 1 : N;
        var span = N * H / rows;
        for (var r = 0; r < rows; r++)
        {
            if (Config.IsGpt2) Gelu.Forward(mlpH.Slice(r * span, span), mlpA.Slice(r * span, span));
            else SwiGlu.Forward(mlpH.Slice(r * span, span), mlpA.Slice(r * span, span), mlpB.Slice(r * span, span));
        }
        Project(path, fcProj, mlpH, P.FcProjw[l], P.FcProjb[l], N, H, C);
        Residual.Forward(x.Residual3.In(a), residual2, fcProj);
    }

    // Training backward of block l: dres holds d resid_post[l] on entry and d (block input) on return.
    private void BlockBackward(ActivationTensors A, int l, ReadOnlySpan<float> residual, Span<float> dres)
    {
        var P = Layout;
        var a = A.Arena;
        var x = A.Blocks[l];
        int B = A.B, T = A.T, N = B * T;
        Span<float> dln = A.DLn.In(a), datty = A.DAtty.In(a), dqkv = A.DQkv.In(a);
        Span<float> dmlpA = A.DMlpA.In(a), dmlpB = A.DMlpB.In(a), dmlpH = A.DMlpH.In(a);
        ReadOnlySpan<float> ln2 = x.Ln2.In(a);

        dmlpH.Clear();
        Linear.Backward(dmlpH, Grad(P.FcProjw[l]), Grad(P.FcProjb[l]), dres, x.MlpH.In(a), Par(P.FcProjw[l]), N, H, C);
        dmlpA.Clear();
        dln.Clear();
        if (Config.IsGpt2)
        {
            Gelu.Backward(dmlpA, x.MlpA.In(a), dmlpH);
        }
        else
        {
            dmlpB.Clear();
            SwiGlu.Backward(dmlpA, dmlpB, dmlpH, x.MlpA.In(a), x.MlpB.In(a));
            Linear.Backward(dln, Grad(P.Upw[l]), [], dmlpB, ln2, Par(P.Upw[l]), N, C, H);
        }
        Linear.Backward(dln, Grad(P.Fcw[l]), Grad(P.Fcb[l]), dmlpA, ln2, Par(P.Fcw[l]), N, C, H);
        NormBackward(dres, Grad(P.Ln2w[l]), Grad(P.Ln2b[l]), dln, x.Residual2.In(a), Par(P.Ln2w[l]), x.Ln2Mean.In(a), x.Ln2Rstd.In(a), N);

        datty.Clear();
        Linear.Backward(datty, Grad(P.AttProjw[l]), Grad(P.AttProjb[l]), dres, x.Atty.In(a), Par(P.AttProjw[l]), N, NH * HS, C);
        dqkv.Clear();
        Attention.Backward(dqkv, A.DAtt.In(a), datty, x.Qkv.In(a), A.Att[l].In(a), B, T, NH, NKV, HS);
        if (_rope is not null)
        {
            _rope.Backward(dqkv, _positions, N, QKV, 0, NH);
            _rope.Backward(dqkv, _positions, N, QKV, NH * HS, NKV);
        }
        dln.Clear();
        Linear.Backward(dln, Grad(P.Qkvw[l]), Grad(P.Qkvb[l]), dqkv, x.Ln1.In(a), Par(P.Qkvw[l]), N, C, QKV);
        NormBackward(dres, Grad(P.Ln1w[l]), Grad(P.Ln1b[l]), dln, residual, Par(P.Ln1w[l]), x.Ln1Mean.In(a), x.Ln1Rstd.In(a), N);
    }

    // LayerNorm (gpt2) or RMSNorm (llama) over N rows of C; mean and bias are empty for llama
    private void NormForward(Span<float> outp, Span<float> mean, Span<float> rstd, ReadOnlySpan<float> inp,
        ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, int N)
    {
        if (Config.IsGpt2) LayerNorm.Forward(outp, mean, rstd, inp, weight, bias, N, C, Config.NormEps);
        else RmsNorm.Forward(outp, rstd, inp, weight, N, C, Config.NormEps);
    }

    // dinp (N, C) +=, dweight +=, dbias +=
    private void NormBackward(Span<float> dinp, Span<float> dweight, Span<float> dbias, ReadOnlySpan<float> dout,
        ReadOnlySpan<float> inp, ReadOnlySpan<float> weight, ReadOnlySpan<float> mean, ReadOnlySpan<float> rstd, int N)
    {
        if (Config.IsGpt2) LayerNorm.Backward(dinp, dweight, dbias, dout, inp, weight, mean, rstd, N, C);
        else RmsNorm.Backward(dinp, dweight, dout, inp, weight, rstd, N, C);
    }
}
