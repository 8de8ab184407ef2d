namespace Fpo.Silo.Bench;

/// <summary>One `bench serve` run: all requests sent at once, timed from the first send to the last reply.</summary>
public sealed record ServeBenchResult(int Requests, int NewTokens, int MaxBatch, int Threads, double WallSeconds, long CompletionTokens,
    double P50Seconds, double P95Seconds, long DecodeSteps)
{
    public double RequestsPerSecond => Requests / WallSeconds;
    public double TokensPerSecond => CompletionTokens / WallSeconds;
}
