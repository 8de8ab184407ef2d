using Fpo.Grains.Stores;

namespace Fpo.Grains.Postgres;

// Retention: a removed snapshot is marked in its row first and its bytes go after, so a reader never follows a row to
// bytes that are gone without being told why; a crash in between leaves blobs no row names, which the next pass sweeps.
internal sealed partial class PostgresSnapshotStore : ISnapshotRetention
{
    public async Task<IReadOnlyList<long>> RetainAsync(SnapshotRetentionPolicy policy, IReadOnlyCollection<long> pinned, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(policy);
        policy.Validate();
        if (!policy.Enabled) return [];
        var held = await _connector.RunAsync("planning snapshot retention", async (connection, ct) =>
        {
            var rows = await Sql.ListAsync(connection, """
                select s.version, max(f.delta_base) from fpo_snapshots s left join fpo_snapshot_files f on f.run = s.run and f.version = s.version
                where s.run = @run and s.pruned_at is null group by s.version
                """, r => (r.GetInt64(0), r.IsDBNull(1) ? (long?)null : r.GetInt64(1)), ct, ("run", _run)).ConfigureAwait(false);
            return rows.ToDictionary(r => r.Item1, r => r.Item2);
        }, cancellationToken).ConfigureAwait(false);
        var remove = policy.Plan(held, pinned);
        if (remove.Count > 0)
        {
            var versions = remove.ToArray();
            await _connector.TransactAsync("marking snapshots removed by retention", async (connection, ct) =>
            {
                await Sql.ExecuteAsync(connection, "update fpo_snapshots set pruned_at = now() where run = @run and version = any(@versions) and pruned_at is null",
                    ct, ("run", _run), ("versions", versions)).ConfigureAwait(false);
                await Sql.ExecuteAsync(connection, "delete from fpo_snapshot_chunks where run = @run and version = any(@versions)",
                    ct, ("run", _run), ("versions", versions)).ConfigureAwait(false);
                return 0;
            }, cancellationToken).ConfigureAwait(false);
        }
        if (_blobs is not null) await SweepBlobsAsync(cancellationToken).ConfigureAwait(false);
        return remove;
    }

    // Deletes this run's blobs that no live row names, up to the latest published version: those of removed snapshots
    // and those a writer that lost the compare-and-set left. Blobs above the latest version may be a publish in flight.
    private async Task SweepBlobsAsync(CancellationToken cancellationToken)
    {
        var (latest, named) = await _connector.RunAsync("listing the blobs snapshots name", async (connection, ct) =>
        {
            var top = await Sql.ScalarAsync<long?>(connection, "select max(version) from fpo_snapshots where run = @run", ct, ("run", _run)).ConfigureAwait(false);
            var names = await Sql.ListAsync(connection, """
                select f.location from fpo_snapshot_files f join fpo_snapshots s on s.run = f.run and s.version = f.version
                where f.run = @run and f.location is not null and s.pruned_at is null
                """, r => r.GetString(0), ct, ("run", _run)).ConfigureAwait(false);
            return (top ?? -1, names.ToHashSet(StringComparer.Ordinal));
        }, cancellationToken).ConfigureAwait(false);
        var stale = (await _blobs!.ListAsync(cancellationToken).ConfigureAwait(false))
            .Where(name => !named.Contains(name) && _blobs.VersionOf(name) is { } v && v <= latest);
        await _blobs.DeleteAsync(stale, cancellationToken).ConfigureAwait(false);
    }
}
