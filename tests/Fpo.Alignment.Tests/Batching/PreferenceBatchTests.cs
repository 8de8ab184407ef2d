using Fpo.Alignment.Batching;
using Fpo.Alignment.Preferences;

namespace Fpo.Alignment.Tests.Batching;

public class PreferenceBatchTests
{
    internal static PreferencePair Pair(string id, int[] prompt, int[] chosen, int[] rejected, double label = 1) => new()
    {
        Id = id, Prompt = "", Chosen = "", Rejected = "", PromptTokens = prompt, ChosenTokens = chosen, RejectedTokens = rejected, Label = label,
    };

    [Fact]
    public void RowsHoldChosenThenRejectedWithTargetsOnlyOnResponseTokens()
    {
        var batch = PreferenceBatch.Create([Pair("a", [1, 2], [3, 4, 5], [6], 0.25), Pair("b", [7], [8], [9, 10])], maxPositions: 8);
        Assert.Equal((2, 4, 5), (batch.B, batch.Rows, batch.T));
        Assert.Equal(new[]
        {
            1, 2, 3, 4, 5,
            7, 8, 0, 0, 0,
            1, 2, 6, 0, 0,
            7, 9, 10, 0, 0,
        }, batch.Inputs);
        Assert.Equal(new[]
        {
            -1, 3, 4, 5, -1,
            8, -1, -1, -1, -1,
            -1, 6, -1, -1, -1,
            9, 10, -1, -1, -1,
        }, batch.Targets);
        Assert.Equal([2, 1, 2, 1], batch.PromptLengths);
        Assert.Equal([3, 1, 1, 2], batch.ResponseLengths);
        Assert.Equal([0.25f, 1f], batch.Labels);
    }

    [Fact]
    public void PairsThatCannotBeBatchedAreNamed()
    {
        var tooLong = Assert.Throws<ArgumentException>(() => PreferenceBatch.Create([Pair("long", [1, 2, 3], [4, 5, 6], [7])], maxPositions: 5));
        Assert.Contains("pair 'long' needs 6 positions (prompt 3 + longest response 3) but the model has 5", tooLong.Message, StringComparison.Ordinal);
        var noPrompt = Assert.Throws<ArgumentException>(() => PreferenceBatch.Create([Pair("empty", [], [4], [7])], maxPositions: 5));
        Assert.Contains("pair 'empty': the prompt has no tokens", noPrompt.Message, StringComparison.Ordinal);
        var text = new PreferencePair { Id = "text", Prompt = "p", Chosen = "c", Rejected = "r" };
        var untokenised = Assert.Throws<InvalidOperationException>(() => PreferenceBatch.Create([text], maxPositions: 5));
        Assert.Contains("pair 'text': PromptTokens is not set; tokenise", untokenised.Message, StringComparison.Ordinal);
        var noReference = Assert.Throws<InvalidOperationException>(() => PreferenceBatch.Create([Pair("x", [1], [2], [3])], 4).ReferenceSums());
        Assert.Contains("pair 'x' has no reference data", noReference.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void PackingKeepsEveryPairOnceGroupsSimilarLengthsAndDependsOnlyOnTheSeed()
    {
        var random = new Random(3);
        var pairs = Enumerable.Range(0, 37).Select(i => Pair($"p{i}", Tokens(random, 1 + random.Next(6)), Tokens(random, 1 + random.Next(8)), Tokens(random, 1 + random.Next(8)))).ToList();
        var batches = PreferenceBatcher.Pack(pairs, batchSize: 8, maxPositions: 16, seed: 11);

        Assert.Equal(5, batches.Count);
        Assert.Equal(pairs.Select(p => p.Id).Order(), batches.SelectMany(b => b.Pairs).Select(p => p.Id).Order());
        Assert.Single(batches, b => b.B == 5);
        // sorted buckets: the length ranges of two batches overlap at most at their shared boundary length
        var ranges = batches.Select(b => (Min: b.Pairs.Min(p => p.Length), Max: b.Pairs.Max(p => p.Length))).OrderBy(r => r.Min).ThenBy(r => r.Max).ToList();
        for (var i = 1; i < ranges.Count; i++) Assert.True(ranges[i - 1].Max <= ranges[i].Min, $"{ranges[i - 1]} overlaps {ranges[i]}");

        var again = PreferenceBatcher.Pack(pairs, 8, 16, seed: 11);
        Assert.Equal(batches.Select(b => string.Join(",", b.Pairs.Select(p => p.Id))), again.Select(b => string.Join(",", b.Pairs.Select(p => p.Id))));
        var other = PreferenceBatcher.Pack(pairs, 8, 16, seed: 12);
        Assert.NotEqual(batches.Select(b => string.Join(",", b.Pairs.Select(p => p.Id))), other.Select(b => string.Join(",", b.Pairs.Select(p => p.Id))));
    }

    [Fact]
    public void PackingRefusesBeforeBatchingWhenAnyPairIsTooLong()
    {
        List<PreferencePair> pairs = [Pair("ok", [1], [2], [3]), Pair("huge", [1, 1, 1, 1], [2, 2, 2, 2], [3])];
        var e = Assert.Throws<ArgumentException>(() => PreferenceBatcher.Pack(pairs, 1, maxPositions: 6, seed: 0));
        Assert.Contains("pair 'huge' needs 8 positions", e.Message, StringComparison.Ordinal);
    }

    private static int[] Tokens(Random random, int n) => [.. Enumerable.Range(0, n).Select(_ => random.Next(1, 50))];
}
