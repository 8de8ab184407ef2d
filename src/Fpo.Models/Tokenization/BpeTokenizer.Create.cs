using System.Text;

namespace Fpo.Models.Tokenization;

public sealed partial class BpeTokenizer
{
    private static readonly string[] WellKnownEos = ["<|endoftext|>", "<|end_of_text|>", "</s>"];
    private static readonly string[] WellKnownBos = ["<|begin_of_text|>", "<s>", "<|endoftext|>"];

    /// <summary>How many unused ids may lie between the vocabulary and the added tokens' ids.</summary>
    public const int MaxAddedIdGap = 1 << 16;

    /// <summary>
    /// Builds a tokenizer from a byte-level vocabulary (token → id, ids 0..n-1, all 256 byte tokens present), merges
    /// in rank order and added tokens (ids either n and above, or the id the vocabulary gives the same text).
    /// Every inconsistency is a <see cref="TokenizerFormatException"/> that names the entry, using
    /// <paramref name="source"/>'s names.
    /// </summary>
    public static BpeTokenizer Create(
        IReadOnlyDictionary<string, int> vocab,
        IReadOnlyList<(string Left, string Right)> merges,
        IReadOnlyList<AddedToken>? addedTokens = null,
        BpeOptions? options = null,
        TokenizerSource? source = null)
    {
        source ??= TokenizerSource.InMemory;
        if (options?.NormalizeNfc == true && !Nfc.IsAvailable)
            throw new NotSupportedException(Nfc.Unavailable);
        var modelTokens = CheckVocab(vocab, source);
        var added = CheckAddedTokens(addedTokens ?? [], vocab, modelTokens.Length, source);
        return new BpeTokenizer(modelTokens, vocab, merges, added, options ?? new BpeOptions(), source);
    }

    private BpeTokenizer(string[] modelTokens, IReadOnlyDictionary<string, int> vocab,
        IReadOnlyList<(string Left, string Right)> mergeList, AddedToken[] added, BpeOptions options, TokenizerSource source)
    {
        Options = options;
        ModelVocabSize = modelTokens.Length;
        var size = Math.Max(ModelVocabSize, added.Length == 0 ? 0 : added.Max(t => t.Id) + 1);
        tokens = new string?[size];
        tokenBytes = new byte[size][];
        special = new bool[size];
        modelTokens.CopyTo(tokens, 0);
        for (var id = 0; id < ModelVocabSize; id++)
            tokenBytes[id] = ByteLevel.TryDecode(modelTokens[id])
                ?? throw source.VocabError($"{source.VocabName} token '{modelTokens[id]}' (id {id}) has a character outside the byte-level alphabet");
        foreach (var t in added)
        {
            tokens[t.Id] = t.Content;
            tokenBytes[t.Id] = Encoding.UTF8.GetBytes(t.Content);
            special[t.Id] = t.Special;
        }
        tokenToId = new Dictionary<string, int>(vocab, StringComparer.Ordinal);
        foreach (var t in added)
            tokenToId[t.Content] = t.Id;
        tokenToIdBySpan = tokenToId.GetAlternateLookup<ReadOnlySpan<char>>();

        byteToId = new int[256];
        for (var b = 0; b < 256; b++)
            byteToId[b] = vocab.TryGetValue(ByteLevel.CharOf((byte)b).ToString(), out var id) ? id
                : throw source.VocabError($"{source.VocabName} lacks the token '{ByteLevel.CharOf((byte)b)}' for byte 0x{b:X2}; a byte-level BPE needs all 256");

        merges = [.. mergeList];
        mergePairs = new long[merges.Length];
        mergeResult = new int[merges.Length];
        mergeRank = new Dictionary<long, int>(merges.Length, PairKeyComparer.Instance);
        for (var i = 0; i < merges.Length; i++)
        {
            var m = merges[i];
            var left = vocab.TryGetValue(m.Left, out var l) ? l : throw source.MergeError(i, m, $"refers to token '{m.Left}' not in {source.VocabName}");
            var right = vocab.TryGetValue(m.Right, out var r) ? r : throw source.MergeError(i, m, $"refers to token '{m.Right}' not in {source.VocabName}");
            mergeResult[i] = vocab.TryGetValue(m.Left + m.Right, out var result) ? result
                : throw source.MergeError(i, m, $"makes '{m.Left + m.Right}', which is not in {source.VocabName}");
            mergePairs[i] = PairKey(left, right);
            mergeRank.TryAdd(mergePairs[i], i);
        }

        addedTokens = added;
        addedMatcher = new AddedTokenMatcher(added);
        cacheBySpan = cache.GetAlternateLookup<ReadOnlySpan<char>>();
        EosTokenId = FindToken(options.EosToken, options.GuessBosEos ? WellKnownEos : [], source, "end-of-sequence");
        BosTokenId = FindToken(options.BosToken, options.GuessBosEos ? WellKnownBos : [], source, "beginning-of-sequence");
    }

    private static string[] CheckVocab(IReadOnlyDictionary<string, int> vocab, TokenizerSource source)
    {
        var byId = new string[vocab.Count];
        foreach (var (token, id) in vocab)
        {
            if ((uint)id >= (uint)byId.Length)
                throw source.VocabError($"{source.VocabName} token '{token}' has id {id}, out of range [0, {byId.Length}) for {byId.Length} entries");
            if (byId[id] is not null)
                throw source.VocabError($"{source.VocabName} gives id {id} to both '{byId[id]}' and '{token}'");
            byId[id] = token;
        }
        return byId;
    }

    private static AddedToken[] CheckAddedTokens(IReadOnlyList<AddedToken> added, IReadOnlyDictionary<string, int> vocab,
        int modelVocabSize, TokenizerSource source)
    {
        var byId = new Dictionary<int, AddedToken>();
        var byContent = new Dictionary<string, AddedToken>(StringComparer.Ordinal);
        // The id tables are sized by the largest id, so a stray huge id would allocate gigabytes of holes.
        var maxId = (long)modelVocabSize + added.Count + MaxAddedIdGap - 1;
        for (var i = 0; i < added.Count; i++)
        {
            var t = added[i];
            if (t.Content.Length == 0)
                throw source.AddedError(i, t, "is empty");
            if (t.Id < 0)
                throw source.AddedError(i, t, $"has negative id {t.Id}");
            if (t.Id > maxId)
                throw source.AddedError(i, t,
                    $"has id {t.Id}, more than {MaxAddedIdGap:N0} past the {modelVocabSize} vocabulary ids and {added.Count} added tokens (at most {maxId})");
            if (vocab.TryGetValue(t.Content, out var vocabId) && vocabId != t.Id)
                throw source.AddedError(i, t, $"has id {t.Id}, but {source.VocabName} gives it id {vocabId}");
            if (t.Id < modelVocabSize && !vocab.ContainsKey(t.Content))
                throw source.AddedError(i, t, $"has id {t.Id}, which {source.VocabName} already uses for another token");
            if (!byId.TryAdd(t.Id, t))
                throw source.AddedError(i, t, $"has id {t.Id}, which added token '{byId[t.Id].Content}' already has");
            if (!byContent.TryAdd(t.Content, t))
                throw source.AddedError(i, t, $"appears twice (ids {byContent[t.Content].Id} and {t.Id})");
        }
        return [.. added.OrderBy(t => t.Id)];
    }

    private int? FindToken(string? named, string[] wellKnown, TokenizerSource source, string role)
    {
        if (named is not null)
            return tokenToId.TryGetValue(named, out var id) ? id
                : throw source.VocabError($"the {role} token '{named}' is not in the vocabulary");
        foreach (var candidate in wellKnown)
            if (tokenToId.TryGetValue(candidate, out var id))
                return id;
        return null;
    }
}
