namespace Fpo.Models.Tokenization;

/// <summary>Whether string.Normalize works here: in .NET's invariant globalization mode (no ICU, or
/// DOTNET_SYSTEM_GLOBALIZATION_INVARIANT set) it returns text unchanged, so an NFC tokenizer would silently encode
/// differently; such a tokenizer is refused instead.</summary>
internal static class Nfc
{
    public static bool IsAvailable { get; } = "e\u0301".Normalize() == "\u00E9";

    public const string Unavailable =
        "NFC normalization is unavailable in this process (.NET runs in invariant globalization mode: install ICU, libicu, and unset DOTNET_SYSTEM_GLOBALIZATION_INVARIANT)";
}
