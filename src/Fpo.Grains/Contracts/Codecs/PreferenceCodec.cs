using Fpo.Alignment.Preferences;
using Fpo.Grains.Backbone;

namespace Fpo.Grains.Contracts.Codecs;

/// <summary>A judged preference as one line of the preference JSONL format (<see cref="PreferenceJsonl"/>), so a stream's file is a preference file.</summary>
public sealed class PreferenceCodec : IRecordCodec<PreferencePair>
{
    public static PreferenceCodec Instance { get; } = new();

    public string Encode(PreferencePair value) => PreferenceJsonl.ToLine(value);

    public PreferencePair Decode(string text) => Single(text, "preference record");

    /// <summary>The one pair on a line; <paramref name="source"/> names it in errors.</summary>
    internal static PreferencePair Single(string text, string source)
    {
        var pairs = PreferenceJsonl.Read(new StringReader(text), source);
        return pairs.Count == 1 ? pairs[0] : throw new FormatException($"{source}: expected one JSON line, found {pairs.Count} pairs");
    }
}
