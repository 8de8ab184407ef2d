using Fpo.Grains.Stores;

namespace Fpo.Grains.Embedded;

/// <summary>
/// The run stores of the one-process run, in the run folder, so a run continues where it stopped
/// (<c>fpo loop --resume</c>):
/// <code>
/// snapshots/v000000/     a snapshot's files + snapshot.json (description and preference ids)
/// lineage/dropped.jsonl  dropped preferences with their reasons
/// features/v000000-policy.fstats   merged feature statistics and the delta ids applied to them
/// journal.jsonl          the run journal (trainer steps, batch tallies, evaluations, dead letters), one entry per line
/// </code>
/// The data path's queues and the grains' state live beside them, in the folders of the Orleans providers
/// (<see cref="Hosting.EmbeddedProviders"/>). Logs are flushed to the operating system, not fsynced: they survive a
/// crash of the process, not of the machine. One process owns a run folder at a time.
/// </summary>
public sealed class EmbeddedRunStores : IRunStores
{
    private readonly List<string> _warnings = [];
    private readonly EmbeddedSnapshotStore _snapshots;
    private readonly EmbeddedLineageLog _lineage;
    private readonly EmbeddedFeatureStatsStore _featureStats;
    private readonly EmbeddedRunJournal _journal;

    private EmbeddedRunStores(string folder, TimeProvider time)
    {
        RunId = Path.GetFileName(Path.TrimEndingDirectorySeparator(folder));
        _snapshots = new EmbeddedSnapshotStore(Path.Combine(folder, "snapshots"), time);
        _lineage = new EmbeddedLineageLog(Path.Combine(folder, "lineage"), _snapshots, time, _warnings);
        _featureStats = new EmbeddedFeatureStatsStore(Path.Combine(folder, "features"));
        _journal = new EmbeddedRunJournal(Path.Combine(folder, "journal.jsonl"), time, _warnings);
    }

    /// <summary>
    /// Opens (or creates) the stores of <paramref name="runFolder"/>. <paramref name="time"/> stamps entries (tests pass
    /// a clock they move); the system clock by default.
    /// </summary>
    public static EmbeddedRunStores Open(string runFolder, TimeProvider? time = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(runFolder);
        return new EmbeddedRunStores(Path.GetFullPath(runFolder), time ?? TimeProvider.System);
    }

    public string RunId { get; }

    public ISnapshotStore Snapshots => _snapshots;
    public ILineageLog Lineage => _lineage;
    public IFeatureStatsStore FeatureStats => _featureStats;
    public IRunJournal Journal => _journal;

    /// <summary>What opening had to repair (a torn last line dropped from a log), one message each; empty for a clean folder.</summary>
    public IReadOnlyList<string> Warnings
    {
        get
        {
            lock (_warnings) return [.. _warnings];
        }
    }

    public ValueTask DisposeAsync()
    {
        _lineage.Dispose();
        _snapshots.Dispose();
        _journal.Dispose();
        return ValueTask.CompletedTask;
    }
}
