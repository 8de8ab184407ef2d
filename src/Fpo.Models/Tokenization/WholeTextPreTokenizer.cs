namespace Fpo.Models.Tokenization;

/// <summary>No split: BPE sees the whole text (between added tokens) as one piece.</summary>
internal sealed class WholeTextPreTokenizer : PreTokenizer
{
    public override string? Pattern => null;

    public override int PieceEnd(ReadOnlySpan<char> text, int start) => text.Length;
}
