using System.Threading.Channels;
using Fpo.Models.Generation;
using static Fpo.Models.Tests.Generation.TinyGeneration;

namespace Fpo.Models.Tests.Generation;

/// <summary>The serving additions to the engine: ServeAsync batches requests read from a channel and gives the same
/// samples as Generate; a request's own cancellation drops it alone; streamed tokens add up to the final samples;
/// top log-probs are log_softmax of the raw logits.</summary>
public class ServeAndStreamTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static GenerationRequest[] Requests() =>
    [
        Request("a", Prompt("the cat"), n: 3, maxNewTokens: 12, seed: 4) with { Sampling = new() { Temperature = 0.9f }, StopStrings = ["e", "t a"] },
        Request("b", Prompt("the mat"), maxNewTokens: 20, seed: 5) with { IgnoreEos = true, TopLogProbs = 4 },
        Request("c", Prompt("dog"), n: 2, maxNewTokens: 7, seed: 6) with { Sampling = new() { TopK = 5 } },
    ];

    // Runs the requests through ServeAsync, all queued before the loop starts; returns the results by id.
    private static async Task<Dictionary<string, GenerationResult>> Serve(GenerationEngine engine, IReadOnlyList<GenerationRequest> requests)
    {
        var channel = Channel.CreateUnbounded<GenerationRequest>();
        var results = new Dictionary<string, GenerationResult>();
        engine.RequestCompleted += r => results[r.RequestId] = r;
        foreach (var r in requests) await channel.Writer.WriteAsync(r, Ct);
        channel.Writer.Complete();
        await engine.ServeAsync(channel.Reader, Ct);
        return results;
    }

    [Fact]
    public async Task ServeGivesTheSamplesOfGenerateInSharedSteps()
    {
        var model = Model();
        var requests = Requests();
        var expected = new GenerationEngine(model, Tokenizer, new() { MaxBatch = 4 }).Run(requests);
        var engine = new GenerationEngine(model, Tokenizer, new() { MaxBatch = 4 });
        var served = await Serve(engine, requests);
        AssertSameSamples(expected, [.. requests.Select(r => served[r.Id])]);
        var tokens = served.Values.Sum(r => r.Samples.Sum(s => s.Tokens.Count));
        Assert.True(engine.DecodeSteps < tokens / 2, $"{engine.DecodeSteps} decode steps for {tokens} tokens");
    }

    [Fact]
    public async Task AnInvalidServedRequestFailsAloneWithItsError()
    {
        var engine = new GenerationEngine(Model(), Tokenizer, new() { MaxBatch = 2, MaxSequenceLength = 32 });
        var served = await Serve(engine, [Request("long", Prompt("the cat"), maxNewTokens: 40), Request("ok", Prompt("the cat"), maxNewTokens: 3)]);
        Assert.Contains("needs", served["long"].Error, StringComparison.Ordinal);
        Assert.Empty(served["long"].Samples);
        Assert.True(served["ok"].Succeeded);
    }

    [Fact]
    public async Task ACancelledRequestLeavesTheBatchAndTheOthersFinish()
    {
        var engine = new GenerationEngine(Model(), Tokenizer, new() { MaxBatch = 4 });
        using var cancel = new CancellationTokenSource();
        var tokensOfVictim = 0;
        engine.TokenGenerated += t =>
        {
            if (t.RequestId == "victim" && ++tokensOfVictim == 3) cancel.Cancel();
        };
        GenerationRequest[] requests =
        [
            Request("victim", Prompt("the cat"), n: 2, maxNewTokens: 30) with { IgnoreEos = true, Cancellation = cancel.Token },
            Request("other", Prompt("the mat"), maxNewTokens: 30) with { IgnoreEos = true },
        ];
        var served = await Serve(engine, requests);
        Assert.Equal("request victim: cancelled", served["victim"].Error);
        Assert.InRange(tokensOfVictim, 3, 4);  // both samples drew in the step that cancelled; none after
        Assert.Equal(30, served["other"].Samples.Single().Tokens.Count);

        using var before = new CancellationTokenSource();
        await before.CancelAsync();
        var early = await Serve(new GenerationEngine(Model(), Tokenizer), [Request("early", Prompt("the"), maxNewTokens: 5) with { Cancellation = before.Token }]);
        Assert.Equal("request early: cancelled", early["early"].Error);
    }

    [Fact]
    public void StreamedTokensAddUpToEachSample()
    {
        var engine = new GenerationEngine(Model(), Tokenizer, new() { MaxBatch = 3 });
        var streamed = new Dictionary<(string, int), List<GeneratedToken>>();
        engine.TokenGenerated += t => (streamed.TryGetValue((t.RequestId, t.SampleIndex), out var list) ? list : streamed[(t.RequestId, t.SampleIndex)] = []).Add(t);
        var results = engine.Run(Requests());
        foreach (var result in results)
            foreach (var sample in result.Samples)
            {
                var tokens = streamed[(result.RequestId, sample.Index)];
                Assert.Equal(sample.Tokens, tokens.Select(t => t.Token));
                Assert.Equal(sample.ModelLogProbs, tokens.Select(t => t.ModelLogProb));
                Assert.Equal(sample.Text, string.Concat(tokens.Select(t => t.TextDelta)));
                Assert.All(tokens[..^1], t => Assert.Null(t.Finish));
                Assert.Equal(sample.FinishReason, tokens[^1].Finish);
            }
        Assert.Contains(results[0].Samples, s => s.StopString is not null);  // the hold-back was exercised
    }

    [Fact]
    public void TopLogProbsAreTheLogSoftmaxOfTheRawLogits()
    {
        var model = Model(seed: 3);
        var prompt = Prompt("the cat sat");
        var result = new GenerationEngine(model, Tokenizer).Run([Request("t", prompt, maxNewTokens: 3) with
        {
            TopLogProbs = 6, Sampling = new() { Temperature = 0.5f, TopK = 3 },
        }])[0];
        var sample = result.Samples.Single();
        Assert.NotNull(sample.TopLogProbs);
        var context = prompt.ToList();
        for (var i = 0; i < sample.Tokens.Count; i++)
        {
            var cache = model.CreateCache(1, 128);
            var logits = model.Extend(cache, [0], [context.Count], [.. context]).ToArray();
            var max = logits.Max();
            var logSumExp = max + Math.Log(logits.Sum(x => Math.Exp(x - max)));
            var expected = Enumerable.Range(0, logits.Length).OrderByDescending(id => logits[id]).ThenBy(id => id).Take(6).ToList();
            var top = sample.TopLogProbs![i];
            Assert.Equal(expected, top.Select(t => t.Token));
            for (var k = 0; k < 6; k++) Assert.Equal((float)(logits[expected[k]] - logSumExp), top[k].LogProb, 1e-4f);
            // The drawn token's model log-prob is the same quantity (temperature and top-k do not change it).
            Assert.Equal((float)(logits[sample.Tokens[i]] - logSumExp), sample.ModelLogProbs[i], 1e-4f);
            context.Add(sample.Tokens[i]);
        }
        var plain = new GenerationEngine(model, Tokenizer).Run([Request("p", prompt, maxNewTokens: 3)])[0];
        Assert.Null(plain.Samples.Single().TopLogProbs);
    }

    [Fact]
    public void TopLogProbsSkipMaskedTokensAndBreakTiesByLowerId()
    {
        float[] logits = [1f, float.NegativeInfinity, 3f, 1f, 3f];
        var top = TopLogProbs.Compute(logits, 4);
        Assert.Equal([2, 4, 0, 3], top.Select(t => t.Token));
        var logSumExp = Math.Log(2 * Math.Exp(3) + 2 * Math.Exp(1));
        Assert.Equal((float)(3 - logSumExp), top[0].LogProb, 1e-6f);
        Assert.Equal(4, TopLogProbs.Compute(logits, 5).Length);
        Assert.Throws<ArgumentOutOfRangeException>(() => TopLogProbs.Compute(logits, 0));
    }
}
