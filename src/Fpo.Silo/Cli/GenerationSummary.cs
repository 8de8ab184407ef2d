namespace Fpo.Silo.Cli;

/// <summary>Totals of one `fpo generate` run, for the summary line and the JSON usage block.</summary>
/// <param name="Seed">The base seed: prompt i was drawn with Seed + i.</param>
public sealed record GenerationSummary(string ModelDir, ulong Seed, int Samples, long GeneratedTokens, double Seconds)
{
    public double TokensPerSecond => Seconds > 0 ? GeneratedTokens / Seconds : 0;
}
