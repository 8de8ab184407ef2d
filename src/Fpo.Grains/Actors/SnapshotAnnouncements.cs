using Fpo.Grains.Contracts;
using Fpo.Grains.Runs;
using Microsoft.Extensions.DependencyInjection;
using Orleans.BroadcastChannel;

namespace Fpo.Grains.Actors;

/// <summary>
/// Tells a run's rollout grains (one channel per partition) and its evaluator that a snapshot was published. An
/// announcement is a hint, not the data: the weights are read from the snapshot store, and a listener that missed one
/// catches up at the next, or when it activates. The trainer announces from its silo; the cluster benchmark, standing
/// in for a trainer, from an Orleans client with the same provider.
/// </summary>
public static class SnapshotAnnouncements
{
    internal static Task PublishAsync(IServiceProvider services, RunContext run, long version) =>
        PublishAsync(services.GetRequiredKeyedService<IBroadcastChannelProvider>(FpoProviders.Announcements), run.RunId, run.Partitions, version);

    public static async Task PublishAsync(IBroadcastChannelProvider provider, string runId, int partitions, long version)
    {
        ArgumentNullException.ThrowIfNull(provider);
        var announcement = new SnapshotAnnouncement(runId, version);
        for (var p = 0; p < partitions; p++)
            await provider.GetChannelWriter<SnapshotAnnouncement>(ChannelId.Create(ChannelNamespaces.RolloutSnapshots, GrainKeys.Partition(runId, p)))
                .Publish(announcement).ConfigureAwait(true);
        await provider.GetChannelWriter<SnapshotAnnouncement>(ChannelId.Create(ChannelNamespaces.EvaluatorSnapshots, runId))
            .Publish(announcement).ConfigureAwait(true);
    }
}
