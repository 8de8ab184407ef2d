namespace Fpo.Models.Tokenization;

/// <summary>
/// Cuts text into the pieces BPE works on separately; merges never cross a piece boundary. Each implementation
/// reproduces one regex exactly (leftmost match, alternatives in order), working on code points.
/// </summary>
public abstract class PreTokenizer
{
    /// <summary>GPT-2's pattern (Hugging Face ByteLevel with use_regex).</summary>
    public static PreTokenizer Gpt2 { get; } = new Gpt2PreTokenizer();

    /// <summary>Llama 3's pattern: case-insensitive contractions, digits in groups of up to three.</summary>
    public static PreTokenizer Llama3 { get; } = new Llama3PreTokenizer(maxDigits: 3, Llama3PreTokenizer.Llama3Pattern);

    /// <summary>Qwen 2's pattern: Llama 3's with single digits.</summary>
    public static PreTokenizer Qwen2 { get; } = new Llama3PreTokenizer(maxDigits: 1, Llama3PreTokenizer.Qwen2Pattern);

    /// <summary>No split: the whole text is one piece (Hugging Face ByteLevel without use_regex and no Split).</summary>
    public static PreTokenizer None { get; } = new WholeTextPreTokenizer();

    // Closed set: tokenizer.json can only name the patterns implemented here, so a saved file always means the same.
    private protected PreTokenizer() { }

    /// <summary>The regex this pre-tokenizer implements, as written in tokenizer.json; null for <see cref="None"/>.</summary>
    public abstract string? Pattern { get; }

    /// <summary>The end (exclusive) of the piece that starts at <paramref name="start"/> (&lt; text.Length).</summary>
    public abstract int PieceEnd(ReadOnlySpan<char> text, int start);

    /// <summary>The pre-tokenizer that implements <paramref name="pattern"/> exactly, or null when none does.</summary>
    public static PreTokenizer? ForPattern(string pattern)
    {
        foreach (var p in new[] { Gpt2, Llama3, Qwen2 })
            if (p.Pattern == pattern)
                return p;
        return null;
    }

    /// <summary>Splits the whole text into pieces, as (start, length) pairs.</summary>
    public List<(int Start, int Length)> Split(ReadOnlySpan<char> text)
    {
        var pieces = new List<(int, int)>();
        for (var i = 0; i < text.Length;)
        {
            var end = PieceEnd(text, i);
            pieces.Add((i, end - i));
            i = end;
        }
        return pieces;
    }

    /// <summary>The end of the white-space run from <paramref name="i"/> (all White_Space code points are single chars).</summary>
    private protected static int WhiteSpaceRunEnd(ReadOnlySpan<char> text, int i)
    {
        while (i < text.Length && CharClass.At(text, i, out _) == CharKind.WhiteSpace)
            i++;
        return i;
    }

    /// <summary>End of a run of code points of one kind starting at <paramref name="i"/>.</summary>
    private protected static int RunEnd(ReadOnlySpan<char> text, int i, CharKind kind)
    {
        while (i < text.Length && CharClass.At(text, i, out var w) == kind)
            i += w;
        return i;
    }

    /// <summary>`\s+(?!\S)|\s+` at a white-space run [start, runEnd): all of it at the end of text, otherwise all but
    /// its last char (which then joins the next piece as its optional leading space), but at least one char.</summary>
    private protected static int TrailingWhiteSpaceEnd(ReadOnlySpan<char> text, int start, int runEnd) =>
        runEnd == text.Length || runEnd - start == 1 ? runEnd : runEnd - 1;
}
