using Fpo.Alignment.Preferences;
using Fpo.Grains.Backbone;

namespace Fpo.Grains.Contracts.Codecs;

/// <summary>An unjudged pair as a preference JSONL line with A as "chosen" and B as "rejected" (<see cref="RolloutPair.AsPreference"/>): one line format for every pair stream.</summary>
public sealed class RolloutPairCodec : IRecordCodec<RolloutPair>
{
    private const string Source = "rollout pair record";

    public static RolloutPairCodec Instance { get; } = new();

    public string Encode(RolloutPair value) => PreferenceJsonl.ToLine(value.AsPreference());

    public RolloutPair Decode(string text) => RolloutPair.FromPreference(PreferenceCodec.Single(text, Source), Source);
}
