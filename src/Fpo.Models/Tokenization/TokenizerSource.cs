namespace Fpo.Models.Tokenization;

/// <summary>
/// How error messages name the parts of a tokenizer's source, e.g. "tokenizer.json: model.merges[17]" or
/// "vocab.bpe: line 19", so a bad entry is reported where the user can find it.
/// </summary>
/// <param name="VocabFile">The file holding the vocabulary and the added tokens.</param>
/// <param name="VocabName">How that file names its vocabulary, e.g. "model.vocab".</param>
/// <param name="MergesFile">The file holding the merges.</param>
/// <param name="MergeName">The name of merge number i (0-based), e.g. "model.merges[17]".</param>
public sealed record TokenizerSource(string VocabFile, string VocabName, string MergesFile, Func<int, string> MergeName)
{
    /// <summary>For vocabularies built in code.</summary>
    public static TokenizerSource InMemory { get; } = new("tokenizer", "vocab", "tokenizer", i => $"merges[{i}]");

    internal TokenizerFormatException VocabError(string problem) => new($"{VocabFile}: {problem}");

    internal TokenizerFormatException MergeError(int i, (string Left, string Right) merge, string problem) =>
        new($"{MergesFile}: {MergeName(i)} '{merge.Left} {merge.Right}' {problem}");

    internal TokenizerFormatException AddedError(int i, AddedToken token, string problem) =>
        new($"{VocabFile}: added_tokens[{i}] '{token.Content}' {problem}");
}
