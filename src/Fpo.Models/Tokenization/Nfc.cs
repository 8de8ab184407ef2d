namespace Fpo.Models.Tokenization;

/// <summary>Whether string.Normalize works here: with InvariantGlobalization (this repository's setting) .NET has
/// no normalization data and returns text unchanged, so an NFC tokenizer would silently encode differently.</summary>
internal static class Nfc
{
    public static bool IsAvailable { get; } = "e\u0301".Normalize() == "\u00E9";

    public const string Unavailable =
        "NFC normalization is unavailable in this process (InvariantGlobalization: string.Normalize does nothing)";
}
