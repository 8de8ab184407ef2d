using Fpo.Models.Tokenization;

namespace Fpo.Silo.Api;

/// <summary>
/// Each token's text and exact UTF-8 bytes for log-prob entries, made once per id on first use. A byte-level token
/// that holds part of a character shows as U+FFFD in its text; its bytes let a client rebuild the character, as
/// OpenAI's "bytes" field intends. Special tokens show their literal text.
/// </summary>
public sealed class TokenTexts(BpeTokenizer tokenizer)
{
    private readonly string?[] _text = new string?[tokenizer.VocabSize];
    private readonly int[]?[] _bytes = new int[]?[tokenizer.VocabSize];

    // Racing threads compute the same value, so an unsynchronised write is harmless.
    public string Text(int id) => (uint)id < (uint)_text.Length ? _text[id] ??= tokenizer.Decode([id]) : "";

    public IReadOnlyList<int> Bytes(int id) =>
        (uint)id < (uint)_bytes.Length ? _bytes[id] ??= [.. tokenizer.DecodeBytes([id]).Select(b => (int)b)] : [];
}
