namespace Fpo.Grains.Backbone;

/// <summary>
/// The domain stores of a run that outlive any grain: versioned snapshots (with the lineage of the preferences each
/// holds), the feature statistics per snapshot version, and the journal of trainer steps, evaluations and dead letters.
/// A run folder holds them in the embedded run, PostgreSQL in a cluster.
/// </summary>
public interface IRunStores
{
    ISnapshotStore Snapshots { get; }
    ILineageLog Lineage { get; }
    IFeatureStatsStore FeatureStats { get; }
    IRunJournal Journal { get; }
}
