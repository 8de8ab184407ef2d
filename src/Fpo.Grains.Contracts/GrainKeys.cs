using System.Globalization;

namespace Fpo.Grains.Contracts;

/// <summary>
/// Grain keys. Trainer, PromptSource and Evaluator are keyed by the run id alone, so Orleans keeps one activation of
/// each per run in the whole cluster; Rollout, Reference and Judge grains by "run/partition", and the streams between
/// them carry the same keys, so a partition's records meet one consumer and more partitions mean more consumers.
/// FeatureStats grains are keyed "run/version/shard": one per shard of the SAE's latents per snapshot version.
/// </summary>
public static class GrainKeys
{
    /// <summary>The key of partition <paramref name="partition"/> of <paramref name="runId"/>.</summary>
    public static string Partition(string runId, int partition)
    {
        CheckRun(runId);
        ArgumentOutOfRangeException.ThrowIfNegative(partition);
        return runId + "/" + partition.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>The run of any grain key of ours: the key up to its first '/' (run ids hold none).</summary>
    public static string RunOf(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? key : key[..slash];
    }

    /// <summary>The run and partition of a key made by <see cref="Partition"/>; a malformed key throws naming it.</summary>
    public static (string RunId, int Partition) ParsePartition(string key)
    {
        var slash = key.LastIndexOf('/');
        if (slash <= 0 || !int.TryParse(key.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var partition))
            throw new FormatException($"grain key '{key}' is not 'run/partition'");
        return (key[..slash], partition);
    }

    /// <summary>The key of the FeatureStats grain of shard <paramref name="shard"/> of snapshot <paramref name="version"/> of <paramref name="runId"/>.</summary>
    public static string FeatureShard(string runId, long version, int shard)
    {
        CheckRun(runId);
        ArgumentOutOfRangeException.ThrowIfNegative(version);
        ArgumentOutOfRangeException.ThrowIfNegative(shard);
        return string.Create(CultureInfo.InvariantCulture, $"{runId}/{version}/{shard}");
    }

    /// <summary>The run, version and shard of a key made by <see cref="FeatureShard"/>; a malformed key throws naming it.</summary>
    public static (string RunId, long Version, int Shard) ParseFeatureShard(string key)
    {
        var (rest, shard) = ParsePartition(key);
        var slash = rest.LastIndexOf('/');
        if (slash <= 0 || !long.TryParse(rest.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var version))
            throw new FormatException($"grain key '{key}' is not 'run/version/shard'");
        return (rest[..slash], version, shard);
    }

    /// <summary>Run ids name folders and keys: letters, digits, '-', '_' and '.', 1 to 64 characters, not starting with '.'.</summary>
    public static void CheckRun(string runId)
    {
        if (string.IsNullOrEmpty(runId) || runId.Length > 64 || runId[0] == '.' || !runId.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
            throw new ArgumentException($"run id '{runId}' must be 1-64 letters, digits, '-', '_' or '.', not starting with '.'", nameof(runId));
    }
}
