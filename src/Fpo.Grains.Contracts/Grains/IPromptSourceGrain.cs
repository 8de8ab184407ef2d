using Orleans;
using Orleans.Concurrency;

namespace Fpo.Grains.Contracts;

/// <summary>
/// Keyed by run. Publishes the training prompts as <see cref="PromptBatch"/>es, round-robin over the run's partitions,
/// cycling the prompt list in a seeded order with fresh ids, while the records in flight on the data path stay under
/// the configured bound (back-pressure). Its cursor is grain state, so a resumed run neither reuses an id nor restarts
/// the cycle.
/// </summary>
[Alias("fpo.IPromptSourceGrain")]
public interface IPromptSourceGrain : IGrainWithStringKey
{
    /// <summary>Starts (or keeps) publishing; idempotent.</summary>
    [Alias("Start")]
    Task StartAsync();

    /// <summary>Stops publishing; what is in flight stays in the streams.</summary>
    [Alias("Stop")]
    Task StopAsync();

    /// <summary>
    /// Batch <paramref name="batchId"/> left the data path (its labels are trained or dropped, or it yielded none), so
    /// its room in flight is free again; idempotent.
    /// </summary>
    [Alias("Settled")]
    Task SettledAsync(string batchId);

    /// <summary>Prompts published in the whole run.</summary>
    [Alias("Published"), AlwaysInterleave]
    Task<long> PublishedAsync();
}
