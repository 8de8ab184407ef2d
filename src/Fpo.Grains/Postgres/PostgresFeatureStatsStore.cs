using Fpo.Grains.Stores;
using Fpo.Sae.Statistics;

namespace Fpo.Grains.Postgres;

/// <summary>
/// An <see cref="IFeatureStatsStore"/> in fpo_feature_stats (one <see cref="FeatureStatisticsFormat"/> blob per key) and
/// fpo_feature_deltas (the delta ids applied). A merge is one transaction: it records the delta id (a seen id ends it),
/// locks the key's row, and rewrites the merged blob; rollout silos merging into the same key take turns on the lock.
/// </summary>
internal sealed class PostgresFeatureStatsStore(PostgresConnector connector, string run) : IFeatureStatsStore
{
    private readonly PostgresConnector _connector = connector;
    private readonly string _run = run;

    public Task<bool> MergeAsync(FeatureStatsKey key, string deltaId, FeatureStatistics delta, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(deltaId);
        var keyParameters = new (string, object?)[] { ("run", _run), ("version", key.SnapshotVersion), ("side", (short)key.Side) };
        return _connector.TransactAsync($"merging feature statistics of snapshot {key.SnapshotVersion}", async (connection, ct) =>
        {
            var fresh = await Sql.ExecuteAsync(connection,
                "insert into fpo_feature_deltas (run, version, side, delta_id) values (@run, @version, @side, @delta) on conflict do nothing",
                ct, [.. keyParameters, ("delta", deltaId)]).ConfigureAwait(false);
            if (fresh == 0) return false;
            await Sql.ExecuteAsync(connection, "insert into fpo_feature_stats (run, version, side) values (@run, @version, @side) on conflict do nothing",
                ct, keyParameters).ConfigureAwait(false);
            var stored = (await Sql.ListAsync(connection, "select data from fpo_feature_stats where run = @run and version = @version and side = @side for update",
                r => r.IsDBNull(0) ? null : r.GetFieldValue<byte[]>(0), ct, keyParameters).ConfigureAwait(false))[0];
            var merged = stored is null ? delta : FeatureStatistics.Merge(Read(key, stored), delta);
            await Sql.ExecuteAsync(connection, "update fpo_feature_stats set data = @data where run = @run and version = @version and side = @side",
                ct, [.. keyParameters, ("data", FeatureStatisticsFormat.Serialize(merged))]).ConfigureAwait(false);
            return true;
        }, cancellationToken);
    }

    public async Task<FeatureStatistics?> GetAsync(FeatureStatsKey key, CancellationToken cancellationToken)
    {
        var rows = await _connector.RunAsync("reading feature statistics", (connection, ct) => Sql.ListAsync(connection,
            "select data from fpo_feature_stats where run = @run and version = @version and side = @side and data is not null",
            r => r.GetFieldValue<byte[]>(0), ct, ("run", _run), ("version", key.SnapshotVersion), ("side", (short)key.Side)), cancellationToken).ConfigureAwait(false);
        return rows.Count == 0 ? null : Read(key, rows[0]);
    }

    public async Task<long> RevisionAsync(FeatureStatsKey key, CancellationToken cancellationToken) =>
        (await _connector.RunAsync("counting feature-statistics deltas", (connection, ct) => Sql.ListAsync(connection,
            "select count(*) from fpo_feature_deltas where run = @run and version = @version and side = @side",
            r => r.GetInt64(0), ct, ("run", _run), ("version", key.SnapshotVersion), ("side", (short)key.Side)), cancellationToken).ConfigureAwait(false))[0];

    public async Task<IReadOnlyList<FeatureStatsKey>> KeysAsync(CancellationToken cancellationToken) =>
        await _connector.RunAsync("listing feature statistics", (connection, ct) => Sql.ListAsync(connection,
            "select version, side from fpo_feature_stats where run = @run and data is not null order by version, side",
            r => new FeatureStatsKey(r.GetInt64(0), (FeatureSide)r.GetInt16(1)), ct, ("run", _run)), cancellationToken).ConfigureAwait(false);

    private FeatureStatistics Read(FeatureStatsKey key, byte[] bytes) =>
        FeatureStatisticsFormat.Deserialize(bytes, $"feature statistics of run '{_run}', snapshot {key.SnapshotVersion}, {key.Side.ToString().ToLowerInvariant()} side");
}
