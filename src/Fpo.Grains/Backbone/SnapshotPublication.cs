namespace Fpo.Grains.Backbone;

/// <summary>
/// What the trainer publishes: the version it claims, the snapshot's files (name → bytes, e.g. "model.safetensors"), the
/// ids of the preferences trained on since the previous snapshot (its lineage), the trainer step it was taken at, and
/// free-form metadata (JSON; e.g. the method and its settings). When <paramref name="ConsumedStream"/> names a stream,
/// the publish also acknowledges <paramref name="PreferenceIds"/> there in the same step (one transaction in
/// PostgreSQL), whoever holds their leases: "these preferences are consumed" is committed together with the snapshot
/// that contains them, so no crash can leave a preference in a snapshot and still deliverable.
/// </summary>
public sealed record SnapshotPublication(
    long Version,
    IReadOnlyDictionary<string, byte[]> Files,
    IReadOnlyList<string> PreferenceIds,
    long TrainerStep,
    string Metadata = "{}",
    string? ConsumedStream = null);
