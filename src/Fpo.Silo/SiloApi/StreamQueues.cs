using Fpo.Grains.Backbone;
using Fpo.Grains.Contracts;
using Fpo.Grains.Contracts.Codecs;

namespace Fpo.Silo.SiloApi;

/// <summary>
/// The data path's streams as any process of a run sees them, and what their counts tell: every pair ever produced is
/// in "pairs", every label in "preferences", and an annotated pair the judges acknowledged without publishing a
/// preference was an abstention (a judge forwards annotated → preferences in one step).
/// </summary>
public sealed class StreamQueues(IBackbone backbone)
{
    private readonly (string Name, Func<CancellationToken, Task<StreamCounts>> Counts)[] _streams =
    [
        (StreamNames.Prompts, backbone.Stream(StreamNames.Prompts, PromptCodec.Instance).CountsAsync),
        (StreamNames.Pairs, backbone.Stream(StreamNames.Pairs, RolloutPairCodec.Instance).CountsAsync),
        (StreamNames.Annotated, backbone.Stream(StreamNames.Annotated, RolloutPairCodec.Instance).CountsAsync),
        (StreamNames.Preferences, backbone.Stream(StreamNames.Preferences, PreferenceCodec.Instance).CountsAsync),
    ];

    public async Task<IReadOnlyDictionary<string, StreamCounts>> CountsAsync(CancellationToken cancellationToken)
    {
        var counts = new Dictionary<string, StreamCounts>(StringComparer.Ordinal);
        foreach (var (name, read) in _streams) counts[name] = await read(cancellationToken).ConfigureAwait(false);
        return counts;
    }

    public static IReadOnlyDictionary<string, QueueDepth> Depths(IReadOnlyDictionary<string, StreamCounts> counts) =>
        counts.ToDictionary(c => c.Key, c => new QueueDepth(c.Value.Pending, c.Value.Leased, c.Value.Acknowledged, c.Value.Dead), StringComparer.Ordinal);

    /// <summary>Labels published and abstentions, from the counts of the annotated and preferences streams.</summary>
    public static (long Labels, long Abstentions) Judged(IReadOnlyDictionary<string, StreamCounts> counts)
    {
        var labels = counts[StreamNames.Preferences].Published;
        return (labels, Math.Max(0, counts[StreamNames.Annotated].Acknowledged - labels));
    }
}
