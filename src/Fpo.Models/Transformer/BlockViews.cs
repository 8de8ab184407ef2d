namespace Fpo.Models.Transformer;

/// <summary>
/// The activations one transformer block writes, as views into an arena. Training keeps one set per layer
/// (backward reads them); inference reuses one set for every layer.
/// </summary>
public readonly record struct BlockViews(
    TensorView Ln1,       // (N, C)
    TensorView Ln1Mean,   // (N) gpt2 only
    TensorView Ln1Rstd,   // (N)
    TensorView Qkv,       // (N, (NH+2NKV)*HS) after RoPE
    TensorView Atty,      // (N, NH*HS) attention output before the projection
    TensorView AttProj,   // (N, C)
    TensorView Residual2, // (N, C) residual after attention
    TensorView Ln2,       // (N, C)
    TensorView Ln2Mean,   // (N) gpt2 only
    TensorView Ln2Rstd,   // (N)
    TensorView MlpA,      // (N, H) gpt2: fc pre-activation; llama: gate
    TensorView MlpB,      // (N, H) llama: up; empty for gpt2
    TensorView MlpH,      // (N, H) input of the down projection: gelu(fc) or silu(gate) * up
    TensorView FcProj,    // (N, C)
    TensorView Residual3); // (N, C) resid_post: the block's output
