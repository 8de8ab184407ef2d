using Fpo.Alignment.Preferences;

namespace Fpo.Alignment.Batching;

/// <summary>Packs pairs of similar length together so little of a batch is padding; every pair lands in exactly one batch.</summary>
public static class PreferenceBatcher
{
    /// <summary>
    /// Shuffles the pairs with <paramref name="seed"/>, sorts them by length (stable, so equal lengths stay shuffled), cuts
    /// batches of <paramref name="batchSize"/> pairs (the last may be smaller) and shuffles the batch order: the same seed
    /// gives the same batches. Throws before packing anything when a pair cannot be batched (naming it).
    /// </summary>
    public static List<PreferenceBatch> Pack(IReadOnlyList<PreferencePair> pairs, int batchSize, int maxPositions, int seed)
    {
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "the batch size must be positive");
        var lengths = new int[pairs.Count];
        for (var i = 0; i < pairs.Count; i++) lengths[i] = PreferenceBatch.CheckedLength(pairs[i], maxPositions);
        var random = new Random(seed);
        var order = Enumerable.Range(0, pairs.Count).ToArray();
        random.Shuffle(order);
        order = [.. order.OrderBy(i => lengths[i])];
        var batches = new List<PreferenceBatch>();
        for (var start = 0; start < order.Length; start += batchSize)
        {
            var members = order.AsSpan(start, Math.Min(batchSize, order.Length - start)).ToArray().Select(i => pairs[i]).ToList();
            batches.Add(PreferenceBatch.Create(members, maxPositions));
        }
        var shuffled = batches.ToArray();
        random.Shuffle(shuffled);
        return [.. shuffled];
    }
}
