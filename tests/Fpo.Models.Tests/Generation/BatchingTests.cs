using Fpo.Models.Generation;
using static Fpo.Models.Tests.Generation.TinyGeneration;

namespace Fpo.Models.Tests.Generation;

/// <summary>Continuous batching: what is in flight never changes a sample, freed slots are refilled at once, and a
/// prompt is prefilled once whatever its n.</summary>
public class BatchingTests
{
    // Prompts of very different lengths, n up to 5 (more than MaxBatch 3 holds), lengths from 1 to 30 new tokens,
    // and every kind of sampling transform, so slots free and refill at many different steps.
    private static GenerationRequest[] Mixed(int V) =>
    [
        Request("a", Ids(V, 5, 1), n: 4, maxNewTokens: 20) with { Sampling = new() { Temperature = 0.8f, TopP = 0.9f } },
        Request("b", Ids(V, 1, 2), maxNewTokens: 30, seed: 7) with { Sampling = new() { TopK = 20, RepetitionPenalty = 1.3f } },
        Request("c", Ids(V, 12, 3), n: 3, maxNewTokens: 2, seed: 3),
        Request("d", Ids(V, 3, 4), n: 5, maxNewTokens: 15, seed: 11) with { Sampling = new() { MinP = 0.5f, PresencePenalty = 0.5f, FrequencyPenalty = 0.2f } },
        Request("e", Ids(V, 7, 5), n: 2, maxNewTokens: 9) with { Sampling = new() { Temperature = 0 } },
        Request("f", Ids(V, 2, 6), maxNewTokens: 1, seed: 5),
    ];

    private static int[] Ids(int V, int count, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => rng.Next(V)).ToArray();
    }

    [Theory]
    [InlineData(300, true)]     // with text and EOS
    [InlineData(4096, false)]   // token-only; with 8 or more rows in flight a step's rows are drawn on several workers
    public void BatchedContinuousAndOneAtATimeGiveTheSameSamples(int V, bool withTokenizer)
    {
        var model = Model(seed: 2, vocabSize: V);
        var tokenizer = withTokenizer ? Tokenizer : null;
        var requests = Mixed(V);

        var batched = new GenerationEngine(model, tokenizer, new() { MaxBatch = 16 }).Run(requests);
        var continuous = new GenerationEngine(model, tokenizer, new() { MaxBatch = 3 });
        var interleaved = continuous.Run(requests);
        var single = new GenerationEngine(model, tokenizer, new() { MaxBatch = 1 });
        var alone = requests.Select(r => single.Run([r])[0]).ToList();

        AssertSameSamples(alone, batched);
        AssertSameSamples(alone, interleaved);
        Assert.Equal(requests.Sum(r => r.N), batched.Sum(r => r.Samples.Count));
        Assert.True(continuous.PrefixCopies > 0, "MaxBatch 3 with n = 5 should start samples by copying a prompt's KV rows");
        var e = batched.Single(r => r.RequestId == "e").Samples;
        Assert.Equal(e[0].Tokens, e[1].Tokens);  // greedy samples agree
    }

    [Fact]
    public void ShortRequestsTakeFreedSlotsWhileALongOneRuns()
    {
        var model = Model();
        var engine = new GenerationEngine(model, Tokenizer, new() { MaxBatch = 2 });
        var finishedAt = new Dictionary<string, long>();
        engine.RequestCompleted += r => finishedAt[r.RequestId] = engine.DecodeSteps;
        GenerationRequest[] requests =
        [
            Request("long", Prompt("the cat"), maxNewTokens: 40) with { IgnoreEos = true },
            .. Enumerable.Range(0, 5).Select(i => Request($"short{i}", Prompt($"the dog {i}"), maxNewTokens: 3, seed: (ulong)i) with { IgnoreEos = true }),
        ];

        var results = engine.Run(requests);

        Assert.All(results, r => Assert.Equal(r.RequestId == "long" ? 40 : 3, r.Samples[0].Tokens.Count));
        for (var i = 0; i < 5; i++)
            Assert.True(finishedAt[$"short{i}"] < finishedAt["long"], $"short{i} finished at step {finishedAt[$"short{i}"]}, the long request at {finishedAt["long"]}");
        // The first token comes from the prefill, so 40 tokens take 39 steps; the short ones fit beside them.
        Assert.Equal(39, engine.DecodeSteps);
        Assert.Equal(39, finishedAt["long"]);
    }

    [Theory]
    [InlineData(16, 6)]  // every sample starts at once: the prompt's KV rows are copied to 6 more slots
    [InlineData(3, 2)]   // 2 copies, then freed slots keep the prompt and only need truncating
    [InlineData(1, 0)]   // one slot, reused by each sample in turn
    public void APromptIsPrefilledOnceWhateverItsN(int maxBatch, int copies)
    {
        var engine = new GenerationEngine(Model(), Tokenizer, new() { MaxBatch = maxBatch });
        var result = engine.Run([Request("r", Prompt("the cat sat on"), n: 7, maxNewTokens: 6) with { IgnoreEos = true }])[0];

        Assert.Equal(1, engine.Prefills);
        Assert.Equal(copies, engine.PrefixCopies);
        Assert.Equal(7, result.Samples.Count);
        Assert.Equal(Enumerable.Range(0, 7), result.Samples.Select(s => s.Index));
        // Seven random streams over a near-uniform model: the samples are not copies of each other.
        Assert.True(result.Samples.Select(s => string.Join(",", s.Tokens)).Distinct().Count() > 1);
    }

    [Fact]
    public void ResultsComeBackInRequestOrderAndEachCompletionIsReportedOnce()
    {
        var engine = new GenerationEngine(Model(), Tokenizer, new() { MaxBatch = 2 });
        var completed = new List<string>();
        engine.RequestCompleted += r => completed.Add(r.RequestId);
        var progress = new List<GenerationProgress>();
        GenerationRequest[] requests = [.. new[] { 30, 2, 9, 1 }.Select((m, i) => Request($"r{i}", Prompt("the mat"), n: 1 + i % 2, maxNewTokens: m) with { IgnoreEos = true })];

        var results = engine.Run(requests, new Inline(progress.Add));

        Assert.Equal(["r0", "r1", "r2", "r3"], results.Select(r => r.RequestId));
        Assert.Equal(4, completed.Count);
        Assert.Equal(results.Select(r => r.RequestId).Order(), completed.Order());
        Assert.NotEqual("r0", completed[0]);  // the 30-token request does not hold back the others
        Assert.Equal(engine.DecodeSteps + 1, progress.Count);
        Assert.Equal(4, progress[^1].CompletedRequests);
        Assert.Equal(30 + 2 * 2 + 9 + 2 * 1, progress[^1].GeneratedTokens);
        Assert.All(progress[..^1], p => Assert.InRange(p.InFlight, 1, 2));
    }

    private sealed class Inline(Action<GenerationProgress> report) : IProgress<GenerationProgress>
    {
        public void Report(GenerationProgress value) => report(value);
    }
}
