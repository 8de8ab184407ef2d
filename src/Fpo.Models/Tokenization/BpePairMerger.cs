using System.Runtime.InteropServices;
using System.Text;

namespace Fpo.Models.Tokenization;

/// <summary>
/// The merge loop of <see cref="BpeTrainer"/>. Keeps, per adjacent pair, its count over all words (weighted by word
/// frequency) and the words it may occur in; a merge rewrites only those words and applies the net count change of
/// each pair they contain. A heap with lazy deletion finds the most frequent pair: stale entries (whose count no
/// longer matches) are skipped when popped.
/// </summary>
internal sealed class BpePairMerger
{
    private static readonly Comparer<(long Count, long Pair)> MostFrequentFirst = Comparer<(long Count, long Pair)>.Create(
        (x, y) => x.Count != y.Count ? y.Count.CompareTo(x.Count) : x.Pair.CompareTo(y.Pair));

    private readonly List<string> tokens;
    private readonly Dictionary<string, int> idOf = new(StringComparer.Ordinal);
    private readonly int[][] words;      // (W) token ids of each distinct word; the tail past lengths[w] is unused
    private readonly int[] lengths;      // (W)
    private readonly long[] frequency;   // (W)
    private readonly int[] visitedAt;    // (W) the merge step that last rewrote the word, to skip repeated entries
    private readonly Dictionary<long, long> pairCount = new(PairKeyComparer.Instance);
    private readonly Dictionary<long, List<int>> pairWords = new(PairKeyComparer.Instance);
    private readonly Dictionary<long, long> delta = new(PairKeyComparer.Instance);
    private readonly PriorityQueue<long, (long Count, long Pair)> heap = new(MostFrequentFirst);

    public BpePairMerger(Dictionary<string, long> wordCounts, List<string> byteTokens)
    {
        tokens = byteTokens;
        for (var id = 0; id < tokens.Count; id++)
            idOf[tokens[id]] = id;
        var byteToId = new int[256];
        for (var b = 0; b < 256; b++)
            byteToId[b] = idOf[ByteLevel.CharOf((byte)b).ToString()];

        var multiByte = wordCounts.Where(kv => Encoding.UTF8.GetByteCount(kv.Key) > 1).ToArray();
        words = new int[multiByte.Length][];
        lengths = new int[multiByte.Length];
        frequency = new long[multiByte.Length];
        visitedAt = new int[multiByte.Length];
        for (var w = 0; w < multiByte.Length; w++)
        {
            words[w] = Encoding.UTF8.GetBytes(multiByte[w].Key).Select(b => byteToId[b]).ToArray();
            lengths[w] = words[w].Length;
            frequency[w] = multiByte[w].Value;
            for (var j = 0; j + 1 < lengths[w]; j++)
            {
                var pair = BpeTokenizer.PairKey(words[w][j], words[w][j + 1]);
                CollectionsMarshal.GetValueRefOrAddDefault(pairCount, pair, out _) += frequency[w];
                NoteWord(pair, w);
            }
        }
        foreach (var (pair, count) in pairCount)
            heap.Enqueue(pair, (count, pair));
    }

    /// <summary>Merges until there are <paramref name="modelSize"/> tokens or no pair is left; returns the merges.</summary>
    public List<(string Left, string Right)> Run(int modelSize, IProgress<double>? progress)
    {
        var merges = new List<(string, string)>();
        var wanted = modelSize - tokens.Count;
        var reportEvery = Math.Max(1, wanted / 100);
        while (tokens.Count < modelSize && TryPopMostFrequent(out var pair))
        {
            var (left, right) = BpeTokenizer.SplitKey(pair);
            var text = tokens[left] + tokens[right];
            // Different merge orders can spell the same string ("ab"+"c", "a"+"bc"): both merges lead to one token.
            if (!idOf.TryGetValue(text, out var merged))
            {
                merged = tokens.Count;
                tokens.Add(text);
                idOf.Add(text, merged);
            }
            merges.Add((tokens[left], tokens[right]));
            Merge(pair, left, right, merged, merges.Count);
            if (merges.Count % reportEvery == 0)
                progress?.Report(Math.Min(1.0, (double)(wanted - (modelSize - tokens.Count)) / wanted));
        }
        progress?.Report(1.0);
        return merges;
    }

    private bool TryPopMostFrequent(out long pair)
    {
        while (heap.TryDequeue(out pair, out var entry))
            if (pairCount.TryGetValue(pair, out var count) && count == entry.Count)
                return true;
        return false;
    }

    private void Merge(long pair, int left, int right, int merged, int step)
    {
        delta.Clear();
        foreach (var w in pairWords[pair])
        {
            if (visitedAt[w] == step)
                continue;
            visitedAt[w] = step;
            var word = words[w];
            var f = frequency[w];
            var n = lengths[w];
            for (var j = 0; j + 1 < n; j++)
                CollectionsMarshal.GetValueRefOrAddDefault(delta, BpeTokenizer.PairKey(word[j], word[j + 1]), out _) -= f;
            var k = BpeTokenizer.MergePair(word.AsSpan(0, n), left, right, merged);
            lengths[w] = k;
            for (var j = 0; j + 1 < k; j++)
            {
                var p = BpeTokenizer.PairKey(word[j], word[j + 1]);
                CollectionsMarshal.GetValueRefOrAddDefault(delta, p, out _) += f;
                // Only pairs with the new token are new to this word; the word is already listed under the others.
                if (word[j] == merged || word[j + 1] == merged)
                    NoteWord(p, w);
            }
        }
        pairWords.Remove(pair);
        foreach (var (p, d) in delta)
        {
            if (d == 0)
                continue;
            ref var count = ref CollectionsMarshal.GetValueRefOrAddDefault(pairCount, p, out _);
            count += d;
            if (count > 0)
            {
                heap.Enqueue(p, (count, p));
            }
            else
            {
                pairCount.Remove(p);
                pairWords.Remove(p);
            }
        }
    }

    private void NoteWord(long pair, int w)
    {
        ref var list = ref CollectionsMarshal.GetValueRefOrAddDefault(pairWords, pair, out _);
        list ??= [];
        if (list.Count == 0 || list[^1] != w)
            list.Add(w);
    }
}
