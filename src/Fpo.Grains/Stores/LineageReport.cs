namespace Fpo.Grains.Stores;

/// <summary>
/// The result of checking a run's lineage (<see cref="LineageVerification.VerifyLineageAsync"/>): counts, and one line
/// per violation. The invariants: snapshot versions run 0..N without gaps; no preference is in two snapshots; none is
/// both in a snapshot and dropped; every preference in a snapshot was sent to the trainer by a judge (a label of
/// unknown origin means the lineage and the journal disagree). <see cref="Labelled"/> counts what the judges sent;
/// each of those is in a snapshot, dropped with a reason, or <see cref="AwaitingTraining"/> (in the trainer's persisted
/// inbox or still on its stream, which the next activation of the trainer trains).
/// </summary>
public sealed record LineageReport(
    long Snapshots,
    long LatestVersion,
    long Labelled,
    long InSnapshots,
    long Dropped,
    long AwaitingTraining,
    IReadOnlyList<string> Violations)
{
    public bool Holds => Violations.Count == 0;
}
