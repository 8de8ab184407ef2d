namespace Fpo.Grains.Backbone;

/// <summary>
/// The result of checking a run's lineage (<see cref="ILineageLog.VerifyAsync"/>): counts, and one line per violation.
/// The invariants: snapshot versions are 0..N without gaps; every preference in a snapshot is in exactly one; every
/// acknowledged preference is in a snapshot or dropped with a reason; no preference is both in a snapshot and dropped;
/// every preference that is not acknowledged is pending, leased or dead-lettered and in no snapshot.
/// </summary>
public sealed record LineageReport(
    long Snapshots,
    long LatestVersion,
    long Preferences,
    long Acknowledged,
    long InSnapshots,
    long Dropped,
    long Pending,
    long Leased,
    long Dead,
    IReadOnlyList<string> Violations)
{
    public bool Holds => Violations.Count == 0;
}
