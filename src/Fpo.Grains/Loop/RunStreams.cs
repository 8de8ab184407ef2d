using Fpo.Alignment.Preferences;
using Fpo.Grains.Backbone;
using Fpo.Grains.Contracts;
using Fpo.Grains.Contracts.Codecs;

namespace Fpo.Grains.Loop;

/// <summary>The four streams of the data path (shared/DESIGN.md §4) on one backbone, by their names and codecs.</summary>
public sealed record RunStreams(
    IStream<PromptRecord> Prompts,
    IStream<RolloutPair> Pairs,
    IStream<RolloutPair> Annotated,
    IStream<PreferencePair> Preferences)
{
    public static RunStreams Open(IBackbone backbone) => new(
        backbone.Stream(StreamNames.Prompts, PromptCodec.Instance),
        backbone.Stream(StreamNames.Pairs, RolloutPairCodec.Instance),
        backbone.Stream(StreamNames.Annotated, RolloutPairCodec.Instance),
        backbone.Stream(StreamNames.Preferences, PreferenceCodec.Instance));

    /// <summary>Records per state of every stream, in data-path order.</summary>
    public async Task<IReadOnlyDictionary<string, StreamCounts>> CountsAsync(CancellationToken cancellationToken) => new Dictionary<string, StreamCounts>
    {
        [Prompts.Name] = await Prompts.CountsAsync(cancellationToken).ConfigureAwait(false),
        [Pairs.Name] = await Pairs.CountsAsync(cancellationToken).ConfigureAwait(false),
        [Annotated.Name] = await Annotated.CountsAsync(cancellationToken).ConfigureAwait(false),
        [Preferences.Name] = await Preferences.CountsAsync(cancellationToken).ConfigureAwait(false),
    };
}
