using Fpo.Grains.Contracts;
using Fpo.Grains.Runs;
using Microsoft.Extensions.DependencyInjection;
using Orleans.BroadcastChannel;

namespace Fpo.Grains.Actors;

/// <summary>
/// Tells a run's rollout grains (one channel per partition) and its evaluator that a snapshot was published. An
/// announcement is a hint, not the data: the weights are read from the snapshot store, and a listener that missed one
/// catches up at the next, or when it activates.
/// </summary>
internal static class SnapshotAnnouncements
{
    public static async Task PublishAsync(IServiceProvider services, RunContext run, long version)
    {
        var provider = services.GetRequiredKeyedService<IBroadcastChannelProvider>(FpoProviders.Announcements);
        var announcement = new SnapshotAnnouncement(run.RunId, version);
        for (var p = 0; p < run.Partitions; p++)
            await provider.GetChannelWriter<SnapshotAnnouncement>(ChannelId.Create(ChannelNamespaces.RolloutSnapshots, GrainKeys.Partition(run.RunId, p)))
                .Publish(announcement).ConfigureAwait(true);
        await provider.GetChannelWriter<SnapshotAnnouncement>(ChannelId.Create(ChannelNamespaces.EvaluatorSnapshots, run.RunId))
            .Publish(announcement).ConfigureAwait(true);
    }
}
