namespace Fpo.Models.Tokenization;

/// <summary>GPT-2: 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+</summary>
internal sealed class Gpt2PreTokenizer : PreTokenizer
{
    public const string Gpt2Pattern = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    public override string Pattern => Gpt2Pattern;

    public override int PieceEnd(ReadOnlySpan<char> text, int start)
    {
        if (text[start] == '\'' && ContractionLength(text, start + 1) is var n and > 0)
            return start + 1 + n;

        // ` ?X+`: an optional plain space, then a run of letters, numbers or others.
        var i = start;
        if (text[i] == ' ' && i + 1 < text.Length)
            i++;
        var kind = CharClass.At(text, i, out _);
        if (kind != CharKind.WhiteSpace)
            return RunEnd(text, i, kind);

        return TrailingWhiteSpaceEnd(text, start, WhiteSpaceRunEnd(text, start));
    }

    /// <summary>Chars after the apostrophe of a lower-case contraction at <paramref name="i"/>, 0 if none.</summary>
    private static int ContractionLength(ReadOnlySpan<char> text, int i)
    {
        if (i >= text.Length)
            return 0;
        var rest = text[i..];
        return rest[0] switch
        {
            's' or 't' or 'm' or 'd' => 1,
            'r' when rest.StartsWith("re") => 2,
            'v' when rest.StartsWith("ve") => 2,
            'l' when rest.StartsWith("ll") => 2,
            _ => 0,
        };
    }
}
