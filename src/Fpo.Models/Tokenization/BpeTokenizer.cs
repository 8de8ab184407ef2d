using System.Buffers;
using System.Collections.Concurrent;
using System.Text;

namespace Fpo.Models.Tokenization;

/// <summary>
/// Byte-level BPE as in GPT-2, Llama 3 and Qwen 2: added tokens are cut out first, the rest is split by the
/// pre-tokenizer, each piece's UTF-8 bytes start as byte tokens and the lowest-ranked known pair is merged until none
/// is left. Decoding concatenates token bytes, so Decode(Encode(s)) == s for every valid string.
/// Thread-safe: the only mutable state is the piece cache.
/// </summary>
public sealed partial class BpeTokenizer
{
    private const int MaxCachedPieceLength = 256;
    private const int MaxCacheEntries = 1 << 17;

    private readonly string?[] tokens;                  // (VocabSize) null for ids nothing uses
    private readonly byte[][] tokenBytes;               // (VocabSize)
    private readonly bool[] special;                    // (VocabSize)
    private readonly Dictionary<string, int> tokenToId;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> tokenToIdBySpan;
    private readonly int[] byteToId;                    // (256)
    private readonly Dictionary<long, int> mergeRank;   // (left id, right id) -> index into merges
    private readonly long[] mergePairs;                 // (merges) pair key of each rank
    private readonly int[] mergeResult;                 // (merges) id the pair becomes
    private readonly (string Left, string Right)[] merges;
    private readonly AddedToken[] addedTokens;
    private readonly AddedTokenMatcher addedMatcher;
    private readonly ConcurrentDictionary<string, int[]> cache = new();
    private readonly ConcurrentDictionary<string, int[]>.AlternateLookup<ReadOnlySpan<char>> cacheBySpan;
    private int cacheEntries;

    /// <summary>Number of ids: one more than the largest id of the vocabulary and the added tokens.</summary>
    public int VocabSize => tokens.Length;

    /// <summary>Number of ids in the BPE model's own vocabulary (ids 0..ModelVocabSize-1).</summary>
    public int ModelVocabSize { get; }

    /// <summary>The end-of-sequence token, when the vocabulary has one.</summary>
    public int? EosTokenId { get; }

    /// <summary>The beginning-of-sequence token, when the vocabulary has one.</summary>
    public int? BosTokenId { get; }

    /// <summary>How the text is split and normalized.</summary>
    public BpeOptions Options { get; }

    /// <summary>The merges in rank order (rank = index).</summary>
    public IReadOnlyList<(string Left, string Right)> Merges => merges;

    /// <summary>Tokens matched verbatim before BPE, in id order.</summary>
    public IReadOnlyList<AddedToken> AddedTokens => addedTokens;

    /// <summary>The id of a token (a byte-level vocabulary string or an added token's text), or null.</summary>
    public int? TokenToId(string token) => tokenToId.TryGetValue(token, out var id) ? id : null;

    /// <summary>The token an id stands for, or null when no token has that id.</summary>
    public string? IdToToken(int id) => (uint)id < (uint)tokens.Length ? tokens[id] : null;

    /// <summary>Whether an id is a special added token (e.g. end of text).</summary>
    public bool IsSpecial(int id) => (uint)id < (uint)special.Length && special[id];

    /// <summary>The ids of a text. With <paramref name="allowSpecial"/> false, special tokens' text is encoded as
    /// ordinary text, so untrusted input cannot inject them.</summary>
    public int[] Encode(string text, bool allowSpecial = true)
    {
        var ids = new List<int>(text.Length / 3 + 4);
        Encode(text, ids, allowSpecial);
        return ids.ToArray();
    }

    /// <summary>Appends the ids of a text to <paramref name="ids"/>.</summary>
    public void Encode(ReadOnlySpan<char> text, List<int> ids, bool allowSpecial = true)
    {
        for (var pos = 0; pos < text.Length;)
        {
            var (at, token) = addedMatcher.Find(text, pos, allowSpecial);
            EncodeOrdinary(text[pos..at], ids);
            if (token is null)
                break;
            ids.Add(token.Id);
            pos = at + token.Content.Length;
        }
    }

    /// <summary>The text of ids; byte sequences that are not valid UTF-8 (a multi-byte character cut between
    /// tokens) become U+FFFD, as in Hugging Face's decode.</summary>
    public string Decode(ReadOnlySpan<int> ids, bool skipSpecial = false) =>
        Encoding.UTF8.GetString(DecodeBytes(ids, skipSpecial));

    /// <summary>The exact bytes of ids.</summary>
    public byte[] DecodeBytes(ReadOnlySpan<int> ids, bool skipSpecial = false)
    {
        var length = 0;
        foreach (var id in ids)
            length += Bytes(id, skipSpecial).Length;
        var bytes = new byte[length];
        var at = 0;
        foreach (var id in ids)
        {
            var b = Bytes(id, skipSpecial);
            b.CopyTo(bytes, at);
            at += b.Length;
        }
        return bytes;
    }

    private byte[] Bytes(int id, bool skipSpecial)
    {
        if ((uint)id >= (uint)tokens.Length || tokens[id] is null)
            throw new ArgumentOutOfRangeException(nameof(id), id, $"token id {id} is not in the vocabulary (size {VocabSize})");
        return skipSpecial && special[id] ? [] : tokenBytes[id];
    }

    private void EncodeOrdinary(ReadOnlySpan<char> text, List<int> ids)
    {
        if (text.IsEmpty)
            return;
        if (Options.NormalizeNfc && !text.IsNormalized())
            text = text.ToString().Normalize();
        var pre = Options.PreTokenizer;
        for (var i = 0; i < text.Length;)
        {
            var end = pre.PieceEnd(text, i);
            EncodePiece(text[i..end], ids);
            i = end;
        }
    }

    private void EncodePiece(ReadOnlySpan<char> piece, List<int> ids)
    {
        if (cacheBySpan.TryGetValue(piece, out var cached))
        {
            ids.AddRange(cached);
            return;
        }
        var byteCount = Encoding.UTF8.GetMaxByteCount(piece.Length);
        var rented = ArrayPool<byte>.Shared.Rent(byteCount);
        var word = ArrayPool<int>.Shared.Rent(byteCount);
        try
        {
            var n = Encoding.UTF8.GetBytes(piece, rented);
            var result = MergeWord(rented.AsSpan(0, n), word);
            ids.AddRange(result);
            if (piece.Length <= MaxCachedPieceLength)
                AddToCache(piece, result.ToArray());
        }
        finally
        {
            ArrayPool<int>.Shared.Return(word);
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>BPE on one piece: repeatedly merge every occurrence of the lowest-ranked pair, left to right.</summary>
    private ReadOnlySpan<int> MergeWord(ReadOnlySpan<byte> bytes, int[] word)
    {
        if (Options.IgnoreMerges && WholeWordId(bytes) is int whole)
        {
            word[0] = whole;
            return word.AsSpan(0, 1);
        }
        var n = bytes.Length;
        for (var i = 0; i < n; i++)
            word[i] = byteToId[bytes[i]];
        if (n > LongWordBytes)
            return word.AsSpan(0, MergeLongWord(word, n));
        while (n > 1)
        {
            var bestRank = int.MaxValue;
            for (var i = 0; i + 1 < n; i++)
                if (mergeRank.TryGetValue(PairKey(word[i], word[i + 1]), out var rank) && rank < bestRank)
                    bestRank = rank;
            if (bestRank == int.MaxValue)
                break;
            var (left, right) = SplitKey(mergePairs[bestRank]);
            var merged = mergeResult[bestRank];
            n = MergePair(word.AsSpan(0, n), left, right, merged);
        }
        return word.AsSpan(0, n);
    }

    private int? WholeWordId(ReadOnlySpan<byte> bytes)
    {
        Span<char> chars = bytes.Length <= 512 ? stackalloc char[bytes.Length] : new char[bytes.Length];
        for (var i = 0; i < bytes.Length; i++)
            chars[i] = ByteLevel.CharOf(bytes[i]);
        return tokenToIdBySpan.TryGetValue(chars, out var id) && id < ModelVocabSize ? id : null;
    }

    private void AddToCache(ReadOnlySpan<char> piece, int[] ids)
    {
        // A bounded cache: text with endless distinct pieces (random data) must not grow memory without limit.
        if (Interlocked.Increment(ref cacheEntries) > MaxCacheEntries)
        {
            cache.Clear();
            Interlocked.Exchange(ref cacheEntries, 0);
        }
        cacheBySpan.TryAdd(piece, ids);
    }

    internal static long PairKey(int left, int right) => ((long)left << 32) | (uint)right;

    /// <summary>Replaces every non-overlapping (left, right) in word, left to right, by merged; returns the new length.</summary>
    internal static int MergePair(Span<int> word, int left, int right, int merged)
    {
        var k = 0;
        for (var i = 0; i < word.Length; k++)
        {
            if (i + 1 < word.Length && word[i] == left && word[i + 1] == right)
            {
                word[k] = merged;
                i += 2;
            }
            else
            {
                word[k] = word[i++];
            }
        }
        return k;
    }

    internal static (int Left, int Right) SplitKey(long key) => ((int)(key >> 32), (int)key);
}
