namespace Fpo.Silo.Bench;

/// <summary>Tokens per second of one training step (forward, backward, clip, AdamW) in our engine and in PyTorch.</summary>
public sealed record TrainStepResult(string Shape, int Threads, int TokensPerStep,
    double FpoStepSeconds, double TorchStepSeconds, float FpoLoss, float TorchLoss)
{
    public double FpoTokensPerSecond => TokensPerStep / FpoStepSeconds;
    public double TorchTokensPerSecond => TokensPerStep / TorchStepSeconds;
    public double Ratio => FpoTokensPerSecond / TorchTokensPerSecond;
}
