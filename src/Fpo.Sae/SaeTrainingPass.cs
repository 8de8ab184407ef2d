namespace Fpo.Sae;

/// <summary>
/// One SAE forward pass with every loss of its architecture, and the backward pass that adds all gradients (into a
/// <see cref="SaeWeights"/> used as gradient buffers, same shapes). Buffers are sized for up to MaxBatch tokens and reused.
/// Order: encoder (dense GEMM) → activation (sparse codes) → sparse decoder → reconstruction, sparsity and AuxK losses;
/// backward runs them in reverse touching only listed latents, apart from the bias and input gradients.
/// </summary>
public sealed class SaeTrainingPass
{
    public SaeWeights Weights { get; }
    /// <summary>Read by every Forward and Backward: a trainer may swap it between steps (L1/L0 coefficient warmup).</summary>
    public SaeLossSettings Losses { get; set; }
    public int MaxBatch { get; }

    public float[] EncoderInput { get; }    // (B,D) x − b_dec, or x
    public float[] PreActivations { get; }  // (B,F)
    public SparseCodes Codes { get; } = new();
    public float[] Reconstruction { get; }  // (B,D) x̂
    public SparseCodes AuxCodes { get; } = new();
    public float[] AuxReconstruction { get; }  // (B,D) ê, TopK/BatchTopK

    private readonly LatentColumns _columns = new(), _auxColumns = new();
    private readonly float[] _dxhat, _dauxRecon;  // (B,D)
    private readonly float[] _norms;              // (F) ‖W_dec[j]‖ for the L1 penalty
    private float[] _dcodes = [], _dpre = [];     // (nnz)
    private float[] _x = [];
    private int _B;
    private bool _hasAux;

    public SaeTrainingPass(SaeWeights weights, SaeLossSettings losses, int maxBatch)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatch, 1);
        Weights = weights;
        Losses = losses;
        MaxBatch = maxBatch;
        int D = weights.Config.InputSize, F = weights.Config.Latents;
        EncoderInput = new float[(long)maxBatch * D];
        PreActivations = new float[(long)maxBatch * F];
        Reconstruction = new float[(long)maxBatch * D];
        AuxReconstruction = new float[(long)maxBatch * D];
        _dxhat = new float[(long)maxBatch * D];
        _dauxRecon = new float[(long)maxBatch * D];
        _norms = new float[F];
    }

    /// <summary>Encodes only (inference: JumpReLU lists active latents only); codes land in <see cref="Codes"/>.</summary>
    // x (B,D)
    public SparseCodes Encode(float[] x, int B)
    {
        var (w, c) = (Weights, Weights.Config);
        CheckBatch(x, B);
        SaeEncoder.Forward(PreActivations, EncoderInput, x, w.EncoderWeight, w.EncoderBias, w.DecoderBias, c.ApplyDecoderBiasToInput, B, c.InputSize, c.Latents);
        SaeActivation.Forward(Codes, PreActivations, w.Threshold, c, training: false, B);
        return Codes;
    }

    /// <summary>The training forward pass; <paramref name="dead"/> (F) marks dead latents for AuxK (ignored by other architectures).</summary>
    // x (B,D), dead (F)
    public SaeLosses Forward(float[] x, int B, ReadOnlySpan<bool> dead)
    {
        var (w, c) = (Weights, Weights.Config);
        int D = c.InputSize, F = c.Latents;
        CheckBatch(x, B);
        if (!dead.IsEmpty && dead.Length != F) throw new ArgumentException($"SAE dead-latent mask has {dead.Length} entries, d_sae is {F}", nameof(dead));
        (_x, _B) = (x, B);
        SaeEncoder.Forward(PreActivations, EncoderInput, x, w.EncoderWeight, w.EncoderBias, w.DecoderBias, c.ApplyDecoderBiasToInput, B, D, F);
        SaeActivation.Forward(Codes, PreActivations, w.Threshold, c, training: true, B);
        SparseDecoder.Forward(Reconstruction, Codes, w.DecoderWeight, w.DecoderBias, B, D);
        var mse = ReconstructionLoss.Forward(Reconstruction.AsSpan(0, B * D), x.AsSpan(0, B * D), B, D);
        var sparsity = c.Architecture switch
        {
            SaeArchitecture.ReLU => DecoderNormL1.Forward(_norms, Codes, w.DecoderWeight, Losses.L1Coefficient, B, D, F),
            SaeArchitecture.JumpReLU => JumpReLUSparsityLoss.Forward(Codes, PreActivations, w.Threshold, Losses.L0Coefficient, B, F),
            _ => 0f,
        };
        float aux = 0;
        _hasAux = c.Architecture is SaeArchitecture.TopK or SaeArchitecture.BatchTopK && !dead.IsEmpty;
        if (_hasAux)
            aux = AuxKLoss.Forward(AuxCodes, AuxReconstruction, PreActivations, x, Reconstruction, dead, w.DecoderWeight,
                Losses.AuxKCoefficient, Losses.AuxLatentsFor(c), B, D, F);
        _hasAux &= AuxCodes.Count > 0;
        return new SaeLosses(mse, sparsity, aux, Codes.MeanL0());
    }

    /// <summary>Adds the gradient of <see cref="SaeLosses.Total"/> of the last Forward to <paramref name="grads"/>, and,
    /// unless it is empty, to <paramref name="dx"/> (B,D) the part that reaches the input through the encoder: the losses'
    /// targets (x in ‖x̂ − x‖², AuxK's error) count as constants, as when a loss on the codes is sent into the residual stream.</summary>
    public void Backward(SaeWeights grads, float[] dx)
    {
        var (w, c, B) = (Weights, Weights.Config, _B);
        int D = c.InputSize, F = c.Latents;
        if (dx.Length != 0 && dx.Length < B * D) throw new ArgumentException($"SAE dx has {dx.Length} entries, the batch needs {B}×{D}", nameof(dx));
        Array.Clear(_dxhat, 0, B * D);
        ReconstructionLoss.Backward(_dxhat, Reconstruction, _x, 1f, B, D);
        _columns.Build(Codes, F);
        Grow(Codes.Count);
        SparseDecoder.Backward(_dcodes, grads.DecoderWeight, grads.DecoderBias, _dxhat, Codes, _columns, w.DecoderWeight, B, D, F);
        if (c.Architecture is SaeArchitecture.ReLU)
            DecoderNormL1.Backward(_dcodes, grads.DecoderWeight, Codes, _columns, _norms, w.DecoderWeight, Losses.L1Coefficient, B, D, F);
        SaeActivation.Backward(_dpre, grads.Threshold, _dcodes, Codes, PreActivations, w.Threshold, c, B);
        if (c.Architecture is SaeArchitecture.JumpReLU)
            JumpReLUSparsityLoss.Backward(grads.Threshold, Codes, PreActivations, w.Threshold, Losses.L0Coefficient, c.Bandwidth, B, F);
        SaeEncoder.Backward(dx, grads.EncoderWeight, grads.EncoderBias, grads.DecoderBias, _dpre, Codes, _columns, EncoderInput,
            w.EncoderWeight, c.ApplyDecoderBiasToInput, B, D, F);
        if (!_hasAux) return;
        AuxKLoss.Backward(_dauxRecon, AuxReconstruction, _x, Reconstruction, Losses.AuxKCoefficient, B, D);
        _auxColumns.Build(AuxCodes, F);
        Grow(AuxCodes.Count);
        // every aux code is positive, so relu passes its gradient unchanged: dpre = dcodes
        SparseDecoder.Backward(_dpre, grads.DecoderWeight, [], _dauxRecon, AuxCodes, _auxColumns, w.DecoderWeight, B, D, F);
        SaeEncoder.Backward(dx, grads.EncoderWeight, grads.EncoderBias, grads.DecoderBias, _dpre, AuxCodes, _auxColumns, EncoderInput,
            w.EncoderWeight, c.ApplyDecoderBiasToInput, B, D, F);
    }

    private void Grow(int nnz)
    {
        if (_dcodes.Length >= nnz) return;
        _dcodes = new float[nnz + nnz / 4];
        _dpre = new float[nnz + nnz / 4];
    }

    private void CheckBatch(float[] x, int B)
    {
        if (B < 1 || B > MaxBatch) throw new ArgumentOutOfRangeException(nameof(B), $"SAE batch of {B} tokens: it must be in [1, {MaxBatch}]");
        var D = Weights.Config.InputSize;
        if (x.Length < (long)B * D) throw new ArgumentException($"SAE input has {x.Length} values, a batch of {B} tokens × d_in {D} needs {(long)B * D}", nameof(x));
    }
}
