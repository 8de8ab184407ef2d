namespace Fpo.Models.Generation;

/// <summary>Where a Generate call is, reported after every decode step and once at the end.</summary>
/// <param name="DecodeSteps">Decode steps of this call so far.</param>
/// <param name="CompletedRequests">Requests whose samples have all finished (or that failed).</param>
/// <param name="InFlight">Sequences in the batch of the last step (0 in the final report).</param>
/// <param name="GeneratedTokens">Tokens drawn so far, over all samples.</param>
public readonly record struct GenerationProgress(
    int DecodeSteps, int CompletedRequests, int TotalRequests, int InFlight, long GeneratedTokens, TimeSpan Elapsed)
{
    public double TokensPerSecond => Elapsed > TimeSpan.Zero ? GeneratedTokens / Elapsed.TotalSeconds : 0;
}
