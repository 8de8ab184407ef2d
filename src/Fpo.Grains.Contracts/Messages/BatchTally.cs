namespace Fpo.Grains.Contracts;

/// <summary>
/// What one batch of a stage produced: pairs sampled, labels sent on, abstentions, and records that failed. A judged
/// batch also names the preferences it sent to the trainer (<paramref name="LabelIds"/>): the lineage check's list of
/// what must end up in a snapshot or dropped.
/// </summary>
public sealed record BatchTally(long Pairs, long Labels, long Abstained, long Failed, IReadOnlyList<string>? LabelIds = null);
