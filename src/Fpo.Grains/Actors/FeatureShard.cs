using Fpo.Grains.Stores;
using Fpo.Grains.Contracts;
using Fpo.Sae.Statistics;

namespace Fpo.Grains.Actors;

/// <summary>
/// The state and compute of one shard of <see cref="IFeatureStatsGrain"/>: snapshot <paramref name="version"/>'s policy
/// and reference statistics of shard <paramref name="shard"/>'s latents, sliced from the store's and reloaded only when
/// the store's revision of a side moved past the one held. Not thread-safe: a grain's turns, or one caller.
/// </summary>
public sealed class FeatureShard(IFeatureStatsStore store, long version, int shard, int shardSize)
{
    private Side _policy = Side.None, _reference = Side.None;

    public long Version => version;

    public int Index => shard;

    /// <summary>The policy side of the shard's latents as of the last refresh.</summary>
    public FeatureStatistics? Policy => _policy.Stats;

    /// <summary>Reads the store's revisions and reloads a side that moved; throws <see cref="KeyNotFoundException"/> when neither side has statistics.</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        // Interleaved refreshes (the grain's queries are read-only) may finish out of order: the newer revision stays.
        var policy = await LoadAsync(_policy, FeatureSide.Policy, cancellationToken).ConfigureAwait(true);
        if (policy.Revision > _policy.Revision) _policy = policy;
        var reference = await LoadAsync(_reference, FeatureSide.Reference, cancellationToken).ConfigureAwait(true);
        if (reference.Revision > _reference.Revision) _reference = reference;
        if (_policy.Stats is null && _reference.Stats is null)
            throw new KeyNotFoundException($"snapshot {version} has no feature statistics (shard {shard}: latents from {shard * (long)shardSize})");
    }

    /// <summary><paramref name="answer"/> on the statistics refreshed.</summary>
    public async Task<T> AnswerAsync<T>(Func<FeatureShard, T> answer, CancellationToken cancellationToken)
    {
        await RefreshAsync(cancellationToken).ConfigureAwait(true);
        return answer(this);
    }

    public FeatureShardDrift Drift(int k) => FeatureDrift.Shard(_policy.Stats, _reference.Stats, k);

    public FeatureSides Latent(int latent)
    {
        var (from, to) = (shard * (long)shardSize, (shard + 1) * (long)shardSize);
        if (latent < from || latent >= to) throw new ArgumentOutOfRangeException(nameof(latent), latent, $"shard {shard} owns latents [{from}, {to})");
        return new FeatureSides(_policy.Stats?.Slice(latent, latent + 1), _reference.Stats?.Slice(latent, latent + 1));
    }

    /// <summary>The shard's frequency tests between <paramref name="previous"/> (the same shard of an earlier version) and this version's policy.</summary>
    public FeatureShardTests FrequencyTestsSince(FeatureStatistics? previous, double falseDiscoveryRate) => FeatureAlerts.Shard(previous, Policy, falseDiscoveryRate);

    public IReadOnlyList<LatentShift> TopShifts(int count)
    {
        if (_policy.Stats is not { TotalTokens: > 0 } policy || _reference.Stats is not { TotalTokens: > 0 } reference) return [];
        return LatentShift.Top(policy.ActiveLatents.Union(reference.ActiveLatents)
            .Select(j => new LatentShift(j, FeatureDrift.Of(policy, j).Mean, FeatureDrift.Of(reference, j).Mean)), count);
    }

    private async Task<Side> LoadAsync(Side held, FeatureSide side, CancellationToken cancellationToken)
    {
        var key = new FeatureStatsKey(version, side);
        var revision = await store.RevisionAsync(key, cancellationToken).ConfigureAwait(true);
        if (revision <= held.Revision) return held;
        var whole = await store.GetAsync(key, cancellationToken).ConfigureAwait(true);
        if (whole is null) return held;
        var (from, to) = FeatureShards.Range(shard, shardSize, whole.Latents);
        return new Side(revision, whole.Slice(from, to));
    }

    // A side's statistics sliced to the shard and the store revision they were read at (or after: a merge between the
    // two reads only makes the next refresh read again).
    private sealed record Side(long Revision, FeatureStatistics? Stats)
    {
        public static readonly Side None = new(0, null);
    }
}

/// <summary>
/// <see cref="IFeatureStatsGrain"/>s in this process, for an API whose process runs no silo at the moment (`fpo loop`
/// between runs, a test server): each call reads its shard from the store afresh, the same <see cref="FeatureShard"/>
/// the grains hold.
/// </summary>
public sealed class InProcessFeatureShards(IFeatureStatsStore store, int shardSize)
{
    public FeatureStatsFanOut FanOut(int latents) => new((v, s) => new Shard(this, v, s), latents, shardSize);

    private FeatureShard Load(long version, int shard) => new(store, version, shard, shardSize);

    private sealed class Shard(InProcessFeatureShards shards, long version, int index) : IFeatureStatsGrain
    {
        public Task<FeatureShardDrift> DriftAsync(int k) => AnswerAsync(s => s.Drift(k));

        public Task<FeatureSides> LatentAsync(int latent) => AnswerAsync(s => s.Latent(latent));

        public Task<FeatureStatistics?> PolicyAsync() => AnswerAsync(s => s.Policy);

        public async Task<FeatureShardTests> FrequencyTestsSinceAsync(long previousVersion, double falseDiscoveryRate)
        {
            var previous = await shards.Load(previousVersion, index).AnswerAsync(s => s.Policy, CancellationToken.None).ConfigureAwait(true);
            return await AnswerAsync(s => s.FrequencyTestsSince(previous, falseDiscoveryRate)).ConfigureAwait(true);
        }

        public Task<IReadOnlyList<LatentShift>> TopShiftsAsync(int count) => AnswerAsync(s => s.TopShifts(count));

        private Task<T> AnswerAsync<T>(Func<FeatureShard, T> answer) => shards.Load(version, index).AnswerAsync(answer, CancellationToken.None);
    }
}
