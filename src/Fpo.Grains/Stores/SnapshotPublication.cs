namespace Fpo.Grains.Stores;

/// <summary>
/// What the trainer publishes: the version it claims, the snapshot's files (name → bytes, e.g. "model.safetensors"), the
/// ids of the preferences trained on since the previous snapshot (its lineage), the trainer step it was taken at, and
/// free-form metadata (JSON; e.g. the method and its settings). The lineage is written with the snapshot, in one step:
/// "these preferences are consumed" is committed together with the snapshot that contains them.
/// </summary>
public sealed record SnapshotPublication(
    long Version,
    IReadOnlyDictionary<string, byte[]> Files,
    IReadOnlyList<string> PreferenceIds,
    long TrainerStep,
    string Metadata = "{}");
