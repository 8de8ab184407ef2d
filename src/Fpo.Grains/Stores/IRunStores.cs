namespace Fpo.Grains.Stores;

/// <summary>
/// The domain stores of a run that outlive any grain: versioned snapshots (with the lineage of the preferences each
/// holds), the feature statistics per snapshot version, and the journal of trainer steps, batch tallies, evaluations
/// and dead letters. A run folder holds them in the embedded run (<see cref="Embedded.EmbeddedRunStores"/>), PostgreSQL
/// in a cluster (<see cref="Postgres.PostgresRunStores"/>). Grains reach them through their run's context; the data
/// path between grains is Orleans streams, not these stores.
/// </summary>
public interface IRunStores : IAsyncDisposable
{
    /// <summary>A stable id of the run (the run folder's name, or the run's key in the database).</summary>
    string RunId { get; }

    ISnapshotStore Snapshots { get; }
    ILineageLog Lineage { get; }
    IFeatureStatsStore FeatureStats { get; }
    IRunJournal Journal { get; }
}
