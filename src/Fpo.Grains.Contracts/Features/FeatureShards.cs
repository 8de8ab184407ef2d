namespace Fpo.Grains.Contracts;

/// <summary>
/// How an SAE's latents are sharded over <see cref="IFeatureStatsGrain"/>s: shard s owns latents
/// [s × size, (s + 1) × size) cut at the SAE's width, so the shards are disjoint and cover every latent.
/// </summary>
public static class FeatureShards
{
    /// <summary>Latents per shard unless configured (loop.feature_shard_size): the default SAE's 256 latents make 4 shards.</summary>
    public const int DefaultSize = 64;

    /// <summary>Shards of an SAE of <paramref name="latents"/> latents.</summary>
    public static int Count(int latents, int size)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(latents);
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        return (int)(((long)latents + size - 1) / size);
    }

    /// <summary>The latents [From, To) of shard <paramref name="shard"/>; empty past the last shard.</summary>
    public static (int From, int To) Range(int shard, int size, int latents)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(shard);
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        var from = (int)Math.Min((long)shard * size, latents);
        return (from, (int)Math.Min((long)from + size, latents));
    }

    /// <summary>The shard that owns <paramref name="latent"/>.</summary>
    public static int Of(int latent, int size)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(latent);
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        return latent / size;
    }
}
