namespace Fpo.Models.Transformer;

/// <summary>
/// Every activation of a training forward over (B,T) and the scratch gradients of backward, as views into one
/// arena allocated once per (B,T).
/// </summary>
internal sealed class ActivationTensors
{
    public int B { get; }
    public int T { get; }
    public float[] Arena { get; }

    public TensorView Encoded { get; }    // (B, T, C)
    public BlockViews[] Blocks { get; }   // L blocks of (B*T)-row views
    public TensorView Att { get; }        // (L, B, NH, T, T) attention probabilities
    public TensorView Lnf { get; }        // (B, T, C)
    public TensorView LnfMean { get; }    // (B, T) gpt2 only
    public TensorView LnfRstd { get; }    // (B, T)
    public TensorView Logits { get; }     // (B, T, V)
    public TensorView Probs { get; }      // (B, T, V) softmax kept by the cross-entropy
    public TensorView Losses { get; }     // (B, T)

    public TensorView DLogits { get; }    // (B, T, V)
    public TensorView DLosses { get; }    // (B, T)
    public TensorView DResidual { get; }  // (B, T, C) running gradient of the residual stream
    public TensorView DLn { get; }        // (B, T, C) gradient of a norm output
    public TensorView DAtty { get; }      // (B, T, NH*HS)
    public TensorView DQkv { get; }       // (B, T, (NH+2NKV)*HS)
    public TensorView DAtt { get; }       // (B, NH, T, T) attention backward scratch
    public TensorView DMlpA { get; }      // (B, T, H)
    public TensorView DMlpB { get; }      // (B, T, H) llama only
    public TensorView DMlpH { get; }      // (B, T, H)
    public TensorView HookGrad { get; }   // (L, B, T, C) external gradients added at resid_post[l]

    public ActivationTensors(ModelConfig config, int B, int T)
    {
        this.B = B;
        this.T = T;
        int N = B * T, C = config.Channels, L = config.Layers, NH = config.Heads, V = config.VocabSize;
        int H = config.HiddenSize, QKV = config.QkvChannels, gpt2 = config.IsGpt2 ? 1 : 0, llama = 1 - gpt2;
        var arena = new ArenaBuilder($"activations for B={B}, T={T}");
        Encoded = arena.Take(N, C);
        Blocks = new BlockViews[L];
        var ln1 = arena.Stacked(L, N, C);
        var ln1Mean = arena.Stacked(L, N * gpt2);
        var ln1Rstd = arena.Stacked(L, N);
        var qkv = arena.Stacked(L, N, QKV);
        var atty = arena.Stacked(L, N, C);
        var attProj = arena.Stacked(L, N, C);
        var residual2 = arena.Stacked(L, N, C);
        var ln2 = arena.Stacked(L, N, C);
        var ln2Mean = arena.Stacked(L, N * gpt2);
        var ln2Rstd = arena.Stacked(L, N);
        var mlpA = arena.Stacked(L, N, H);
        var mlpB = arena.Stacked(L, N * llama, H);
        var mlpH = arena.Stacked(L, N, H);
        var fcProj = arena.Stacked(L, N, C);
        var residual3 = arena.Stacked(L, N, C);
        for (var l = 0; l < L; l++)
            Blocks[l] = new BlockViews(ln1[l], ln1Mean[l], ln1Rstd[l], qkv[l], atty[l], attProj[l], residual2[l],
                ln2[l], ln2Mean[l], ln2Rstd[l], mlpA[l], mlpB[l], mlpH[l], fcProj[l], residual3[l]);
        Att = arena.Stacked(L, B, NH, T, T);
        Lnf = arena.Take(N, C);
        LnfMean = arena.Take(N * gpt2);
        LnfRstd = arena.Take(N);
        Logits = arena.Take(N, V);
        Probs = arena.Take(N, V);
        Losses = arena.Take(N);

        DLogits = arena.Take(N, V);
        DLosses = arena.Take(N);
        DResidual = arena.Take(N, C);
        DLn = arena.Take(N, C);
        DAtty = arena.Take(N, C);
        DQkv = arena.Take(N, QKV);
        DAtt = arena.Take(B, NH, T, T);
        DMlpA = arena.Take(N, H);
        DMlpB = arena.Take(N * llama, H);
        DMlpH = arena.Take(N, H);
        HookGrad = arena.Stacked(L, N, C);
        Arena = new float[arena.Size];
    }
}
