namespace Fpo.Grains.Contracts;

/// <summary>
/// Owns a policy replica and the SAE: samples two responses per leased prompt, emits <see cref="RolloutPair"/>s tagged
/// with its policy version, folds the SAE activations of its responses into the feature statistics of that version,
/// and switches to the newest snapshot between batches.
/// </summary>
public interface IRolloutGrain : IGrain
{
    /// <summary>The snapshot version its replica holds (-1 before the first batch).</summary>
    long PolicyVersion { get; }

    /// <summary>Pairs emitted so far.</summary>
    long PairsProduced { get; }

    /// <summary>Times it loaded a newer snapshot between batches.</summary>
    long SnapshotSwitches { get; }
}
