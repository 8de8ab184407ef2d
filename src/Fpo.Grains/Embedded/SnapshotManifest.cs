using Fpo.Grains.Backbone;

namespace Fpo.Grains.Embedded;

/// <summary>snapshot.json beside a snapshot's files: its description, the preference ids trained into it and the stream they were consumed from.</summary>
internal sealed record SnapshotManifest(
    long Version,
    string Sha256,
    long Bytes,
    DateTimeOffset PublishedAt,
    long TrainerStep,
    string Metadata,
    IReadOnlyList<string> PreferenceIds,
    string? ConsumedStream = null)
{
    public const string FileName = "snapshot.json";

    public SnapshotInfo Info => new(Version, Sha256, Bytes, PublishedAt, TrainerStep, PreferenceIds.Count, Metadata);
}
