namespace Fpo.Sae;

/// <summary>How <see cref="SaeTrainingPass"/> runs the decoder and the encoder's weight gradient for a batch.</summary>
public enum SaeDecoderPath
{
    /// <summary>Per batch by the density of the codes: dense above <see cref="SaeTrainingPass.DenseCrossover"/>.</summary>
    Auto,

    /// <summary>Always the per-entry sparse kernels (<see cref="SparseDecoder"/>, <see cref="SaeEncoder.Backward"/>).</summary>
    Sparse,

    /// <summary>Always the GEMM on dense codes (<see cref="DenseDecoder"/>, <see cref="SaeEncoder.BackwardDense"/>).</summary>
    Dense,
}
