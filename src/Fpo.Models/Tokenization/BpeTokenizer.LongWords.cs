namespace Fpo.Models.Tokenization;

public sealed partial class BpeTokenizer
{
    /// <summary>Pieces longer than this many bytes are merged with a heap: rescanning the word once per merge pass is
    /// quadratic, and one long piece (a random-letter string in a prompt) would stall the encoder.</summary>
    private const int LongWordBytes = 64;

    /// <summary>
    /// The same passes as the short-word loop — the lowest-ranked pair first, all its occurrences left to right — in
    /// O(n log n): a heap of (rank, position) candidates over a linked list of symbols. Pairs that a pass creates are
    /// queued only after the pass, so a pair of lower rank cannot cut into it; that keeps GPT-2's results exactly.
    /// </summary>
    private int MergeLongWord(int[] word, int n)
    {
        var next = new int[n];   // (n) following live symbol, n at the end
        var prev = new int[n];   // (n) preceding live symbol, -1 at the start
        for (var i = 0; i < n; i++)
        {
            next[i] = i + 1;
            prev[i] = i - 1;
        }
        var heap = new PriorityQueue<int, long>();
        for (var i = 0; i + 1 < n; i++)
            Enqueue(i);
        var created = new List<int>();
        while (heap.TryPeek(out _, out var top))
        {
            var passRank = (int)(top >> 32);
            while (heap.TryPeek(out var pos, out var priority) && (int)(priority >> 32) == passRank)
            {
                heap.Dequeue();
                var right = next[pos];
                if ((uint)right >= (uint)n || mergePairs[passRank] != PairKey(word[pos], word[right]))
                    continue;
                word[pos] = mergeResult[passRank];
                next[pos] = next[right];
                if (next[right] < n)
                    prev[next[right]] = pos;
                next[right] = -1;
                if (prev[pos] >= 0)
                    created.Add(prev[pos]);
                created.Add(pos);
            }
            foreach (var pos in created)
                Enqueue(pos);
            created.Clear();
        }
        var k = 0;
        for (var i = 0; i < n; i = next[i])
            word[k++] = word[i];
        return k;

        void Enqueue(int pos)
        {
            var right = next[pos];
            if (right >= 0 && right < n && mergeRank.TryGetValue(PairKey(word[pos], word[right]), out var rank))
                heap.Enqueue(pos, ((long)rank << 32) | (uint)pos);
        }
    }
}
