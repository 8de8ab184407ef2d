namespace Fpo.Models.Tokenization;

/// <summary>
/// Llama 3 / Qwen 2: (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,D}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
/// with D = 3 (Llama 3) or single digits (Qwen 2).
/// </summary>
internal sealed class Llama3PreTokenizer(int maxDigits, string pattern) : PreTokenizer
{
    public const string Llama3Pattern =
        @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    public const string Qwen2Pattern =
        @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    public override string Pattern => pattern;

    public override int PieceEnd(ReadOnlySpan<char> text, int start)
    {
        if (text[start] == '\'' && ContractionLength(text, start + 1) is var n and > 0)
            return start + 1 + n;

        var kind = CharClass.At(text, start, out var width);
        if (kind == CharKind.Letter)
            return RunEnd(text, start, CharKind.Letter);
        if (kind != CharKind.Number && text[start] is not ('\r' or '\n') && start + width < text.Length
            && CharClass.At(text, start + width, out _) == CharKind.Letter)
            return RunEnd(text, start + width, CharKind.Letter);

        if (kind == CharKind.Number)
            return DigitGroupEnd(text, start);

        var i = text[start] == ' ' && start + 1 < text.Length ? start + 1 : start;
        if (CharClass.At(text, i, out _) == CharKind.Other)
        {
            var end = RunEnd(text, i, CharKind.Other);
            while (end < text.Length && text[end] is '\r' or '\n')
                end++;
            return end;
        }

        var runEnd = WhiteSpaceRunEnd(text, start);
        var lastNewline = text[start..runEnd].LastIndexOfAny('\r', '\n');
        return lastNewline >= 0 ? start + lastNewline + 1 : TrailingWhiteSpaceEnd(text, start, runEnd);
    }

    private int DigitGroupEnd(ReadOnlySpan<char> text, int i)
    {
        for (var digits = 0; digits < maxDigits && i < text.Length && CharClass.At(text, i, out var w) == CharKind.Number; digits++)
            i += w;
        return i;
    }

    /// <summary>Chars after the apostrophe of a contraction in any case at <paramref name="i"/>, 0 if none.
    /// U+017F (long s) case-folds to s, as in the Rust and Oniguruma engines.</summary>
    private static int ContractionLength(ReadOnlySpan<char> text, int i)
    {
        if (i >= text.Length)
            return 0;
        var c = Lower(text[i]);
        var d = i + 1 < text.Length ? Lower(text[i + 1]) : '\0';
        return c switch
        {
            's' or 'ſ' or 't' or 'm' or 'd' => 1,
            'r' when d == 'e' => 2,
            'v' when d == 'e' => 2,
            'l' when d == 'l' => 2,
            _ => 0,
        };
    }

    private static char Lower(char c) => c is >= 'A' and <= 'Z' ? (char)(c + 32) : c;
}
