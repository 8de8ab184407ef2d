using Fpo.Grains.Stores;

namespace Fpo.Grains.Embedded;

/// <summary>snapshot.json beside a snapshot's files: its description and the preference ids trained into it.</summary>
internal sealed record SnapshotManifest(
    long Version,
    string Sha256,
    long Bytes,
    DateTimeOffset PublishedAt,
    long TrainerStep,
    string Metadata,
    IReadOnlyList<string> PreferenceIds)
{
    public const string FileName = "snapshot.json";

    public SnapshotInfo Info => new(Version, Sha256, Bytes, PublishedAt, TrainerStep, PreferenceIds.Count, Metadata);
}
