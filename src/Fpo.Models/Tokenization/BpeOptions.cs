namespace Fpo.Models.Tokenization;

/// <summary>How a BPE vocabulary is applied to text; the defaults are GPT-2's.</summary>
public sealed record BpeOptions
{
    /// <summary>Cuts the text into pieces that merges do not cross.</summary>
    public PreTokenizer PreTokenizer { get; init; } = PreTokenizer.Gpt2;

    /// <summary>Take a piece that is itself a vocabulary token as that token without merging (Llama 3's ignore_merges).</summary>
    public bool IgnoreMerges { get; init; }

    /// <summary>NFC-normalize text between added tokens before splitting it (Qwen 2's normalizer).</summary>
    public bool NormalizeNfc { get; init; }

    /// <summary>The beginning-of-sequence token's text; null: guessed from well-known names.</summary>
    public string? BosToken { get; init; }

    /// <summary>The end-of-sequence token's text; null: guessed from well-known names.</summary>
    public string? EosToken { get; init; }

    /// <summary>Whether a null <see cref="BosToken"/> or <see cref="EosToken"/> is guessed from well-known names
    /// (&lt;|endoftext|&gt;, &lt;s&gt;, ...) or means the tokenizer has none.</summary>
    public bool GuessBosEos { get; init; } = true;
}
