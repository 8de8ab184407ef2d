using System.Runtime.InteropServices;

namespace Fpo.Models.Tokenization;

/// <summary>
/// Learns byte-level BPE merges from text: start from the 256 byte tokens, count the pre-tokenized pieces ("words"),
/// then repeatedly merge the most frequent adjacent pair (ties: the smaller left id, then the smaller right id) until
/// the vocabulary has the requested size. Pair counts are updated only for the words a merge touches.
/// </summary>
public static class BpeTrainer
{
    /// <summary>Trains on texts. <paramref name="vocabSize"/> counts the 256 byte tokens, the merged tokens and the
    /// special tokens, which get the last ids. Stops early, with a smaller vocabulary, when no pair is left to merge.</summary>
    public static BpeTokenizer Train(IEnumerable<string> texts, int vocabSize, IReadOnlyList<string>? specialTokens = null,
        PreTokenizer? preTokenizer = null, IProgress<double>? progress = null)
    {
        specialTokens ??= [];
        preTokenizer ??= PreTokenizer.Gpt2;
        var modelSize = vocabSize - specialTokens.Count;
        ArgumentOutOfRangeException.ThrowIfLessThan(modelSize, 256, nameof(vocabSize));

        var specials = specialTokens.Select((s, i) => new AddedToken(modelSize + i, s, Special: true)).ToArray();
        var counts = CountWords(texts, preTokenizer, new AddedTokenMatcher(specials));
        var tokens = ByteTokens();
        var merges = new BpePairMerger(counts, tokens).Run(modelSize, progress);

        var vocab = new Dictionary<string, int>(tokens.Count, StringComparer.Ordinal);
        for (var id = 0; id < tokens.Count; id++)
            vocab.Add(tokens[id], id);
        var added = specials.Select((t, i) => t with { Id = tokens.Count + i }).ToArray();
        return BpeTokenizer.Create(vocab, merges, added, new BpeOptions { PreTokenizer = preTokenizer });
    }

    /// <summary>Trains on a UTF-8 text file, read line by line (each line keeps its newline).</summary>
    public static BpeTokenizer TrainFromFile(string path, int vocabSize, IReadOnlyList<string>? specialTokens = null,
        PreTokenizer? preTokenizer = null, IProgress<double>? progress = null) =>
        Train(File.ReadLines(path).Select(line => line + "\n"), vocabSize, specialTokens, preTokenizer, progress);

    /// <summary>The byte tokens in code-point order, which puts them in GPT-2's id order ('!' is 0).</summary>
    private static List<string> ByteTokens() =>
        ByteLevel.ByteToChar.Order().Select(c => c.ToString()).ToList();

    private static Dictionary<string, long> CountWords(IEnumerable<string> texts, PreTokenizer pre, AddedTokenMatcher specials)
    {
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        var lookup = counts.GetAlternateLookup<ReadOnlySpan<char>>();
        foreach (var text in texts)
        {
            for (var pos = 0; pos < text.Length;)
            {
                var (at, token) = specials.Find(text, pos, allowSpecial: true);
                var segment = text.AsSpan(pos, at - pos);
                for (var i = 0; i < segment.Length;)
                {
                    var end = pre.PieceEnd(segment, i);
                    CollectionsMarshal.GetValueRefOrAddDefault(lookup, segment[i..end], out _)++;
                    i = end;
                }
                pos = token is null ? text.Length : at + token.Content.Length;
            }
        }
        return counts;
    }
}
