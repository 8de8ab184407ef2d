namespace Fpo.Grains.Stores;

/// <summary>Which statistics: those of snapshot <see cref="SnapshotVersion"/>'s responses, as the policy or as the reference sees them.</summary>
public sealed record FeatureStatsKey(long SnapshotVersion, FeatureSide Side);

/// <summary>Whose activations: the policy that generated the responses, or the frozen reference on the same prompts.</summary>
public enum FeatureSide
{
    Policy,
    Reference,
}
