namespace Fpo.Grains.Contracts;

/// <summary>What one batch of a stage produced: pairs sampled, labels sent on, abstentions, and records that failed.</summary>
public sealed record BatchTally(long Pairs, long Labels, long Abstained, long Failed);
