using Fpo.Grains.Backbone;

namespace Fpo.Grains.Tests.Embedded;

/// <summary>Strings as themselves; "!bad" does not decode, to test replay of a value that no longer reads.</summary>
internal sealed class TextCodec : IRecordCodec<string>
{
    public static readonly TextCodec Instance = new();

    public string Encode(string value) => value;

    public string Decode(string text) => text == "!bad" ? throw new FormatException("'!bad' is not a value") : text;
}
