using System.Text.Json;
using Fpo.Grains.Contracts;

namespace Fpo.Grains.Stores;

/// <summary>
/// Checks where every preference of a run ended up, from the run's stores alone (so `fpo lineage verify` works on a
/// stopped run): the snapshots and the preferences each holds, the dropped preferences, and the judged-batch tallies
/// of the journal, which name every label a judge sent to the trainer.
/// </summary>
public static class LineageVerification
{
    /// <summary>Violations of one kind listed at most this many times; the rest are counted in one line.</summary>
    public const int MaxLinesPerKind = 20;

    private const int JournalPage = 10_000;

    public static async Task<LineageReport> VerifyLineageAsync(this IRunStores stores, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stores);
        var snapshots = new List<(long Version, IReadOnlyList<string> PreferenceIds)>();
        foreach (var info in await stores.Snapshots.ListAsync(cancellationToken).ConfigureAwait(false))
            snapshots.Add((info.Version, await stores.Lineage.PreferencesInAsync(info.Version, cancellationToken).ConfigureAwait(false)));
        var dropped = (await stores.Lineage.DroppedAsync(cancellationToken).ConfigureAwait(false)).Select(d => d.PreferenceId).ToList();
        var labelled = new List<string>();
        await stores.Journal.ReadAfterAsync(JournalKinds.JudgedBatch, 0, page =>
        {
            foreach (var entry in page)
            {
                var tally = JsonSerializer.Deserialize<BatchTally>(entry.Json, JournalKinds.Json)
                    ?? throw new InvalidDataException($"journal entry {entry.Sequence} ({JournalKinds.JudgedBatch} '{entry.Id}') is empty");
                labelled.AddRange(tally.LabelIds ?? []);
            }
        }, cancellationToken, JournalPage).ConfigureAwait(false);
        return Check(snapshots, dropped, labelled);
    }

    /// <param name="snapshots">Each snapshot's version and preference ids, oldest first.</param>
    /// <param name="dropped">Dropped preference ids.</param>
    /// <param name="labelled">Every preference id a judge sent to the trainer (a redelivered batch may name one twice).</param>
    public static LineageReport Check(
        IReadOnlyList<(long Version, IReadOnlyList<string> PreferenceIds)> snapshots,
        IReadOnlyCollection<string> dropped,
        IReadOnlyCollection<string> labelled)
    {
        var violations = new Violations();
        for (var i = 0; i < snapshots.Count; i++)
        {
            if (i == 0 && snapshots[i].Version != 0) violations.Add("gap", $"snapshot versions start at {snapshots[i].Version}, not 0");
            else if (i > 0 && snapshots[i].Version != snapshots[i - 1].Version + 1)
                violations.Add("gap", $"snapshot versions have a gap: {snapshots[i - 1].Version} is followed by {snapshots[i].Version}");
        }
        var snapshotOf = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var (version, ids) in snapshots)
            foreach (var id in ids)
                if (!snapshotOf.TryAdd(id, version))
                    violations.Add("twice", $"preference '{id}' is in snapshot {snapshotOf[id]} and again in snapshot {version}: it was trained twice");
        var droppedSet = new HashSet<string>(dropped, StringComparer.Ordinal);
        foreach (var id in droppedSet.Order(StringComparer.Ordinal))
            if (snapshotOf.TryGetValue(id, out var v))
                violations.Add("dropped", $"preference '{id}' is in snapshot {v} and also recorded as dropped");
        var labelledSet = new HashSet<string>(labelled, StringComparer.Ordinal);
        foreach (var (id, version) in snapshotOf.OrderBy(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal))
            if (!labelledSet.Contains(id))
                violations.Add("origin", $"preference '{id}' is in snapshot {version} but no judged batch in the journal sent it");
        var awaiting = labelledSet.Count(id => !snapshotOf.ContainsKey(id) && !droppedSet.Contains(id));
        return new LineageReport(
            snapshots.Count, snapshots.Count == 0 ? -1 : snapshots[^1].Version, labelledSet.Count, snapshotOf.Count,
            droppedSet.Count, awaiting, violations.Lines());
    }

    // Violation lines grouped by kind, each kind capped so a badly broken run prints a readable report.
    private sealed class Violations
    {
        private readonly Dictionary<string, (List<string> Lines, int Count)> _byKind = new(StringComparer.Ordinal);

        public void Add(string kind, string line)
        {
            var (lines, count) = _byKind.GetValueOrDefault(kind, ([], 0));
            if (count < MaxLinesPerKind) lines.Add(line);
            _byKind[kind] = (lines, count + 1);
        }

        public List<string> Lines() =>
            [.. _byKind.Values.SelectMany(k => k.Count > MaxLinesPerKind ? [.. k.Lines, $"… and {k.Count - MaxLinesPerKind} more like it"] : k.Lines)];
    }
}
