namespace Fpo.Silo.Bench;

/// <summary>Median and best decode throughput of one engine over the timed repeats.</summary>
public sealed record DecodeSpeed(double MedianTokensPerSecond, double BestTokensPerSecond);

/// <summary>
/// Decode tokens/s of one shape and batch: ours in fp32 and with bf16 weights, PyTorch's eager fp32 loop, and the
/// memory-bandwidth bound: a batch-1 step must stream every weight once, so it cannot beat
/// copy bandwidth ÷ weight bytes per token.
/// </summary>
public sealed record DecodeResult(string Shape, int Batch, int Threads, int PromptTokens, int NewTokens,
    DecodeSpeed Fp32, DecodeSpeed Bf16, DecodeSpeed Torch, long WeightBytesFp32, long WeightBytesBf16, double CopyBytesPerSecond)
{
    public double Fp32Ratio => Fp32.MedianTokensPerSecond / Torch.MedianTokensPerSecond;
    public double Bf16Ratio => Bf16.MedianTokensPerSecond / Torch.MedianTokensPerSecond;

    // Bytes per step are shared by the batch's rows, so the bound per token grows with the batch; at batch 1 it is tight.
    public double Fp32BoundTokensPerSecond => Batch * CopyBytesPerSecond / WeightBytesFp32;
    public double Bf16BoundTokensPerSecond => Batch * CopyBytesPerSecond / WeightBytesBf16;
    public double Fp32BoundFraction => Fp32.MedianTokensPerSecond / Fp32BoundTokensPerSecond;
    public double Bf16BoundFraction => Bf16.MedianTokensPerSecond / Bf16BoundTokensPerSecond;
}
