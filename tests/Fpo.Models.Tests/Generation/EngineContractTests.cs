using Fpo.Models.Generation;
using Fpo.Models.Sampling;
using Fpo.Models.Transformer;
using static Fpo.Models.Tests.Generation.TinyGeneration;

namespace Fpo.Models.Tests.Generation;

/// <summary>What the engine promises around the samples: precise errors for bad requests, bounded KV memory, reported
/// and reproducible seeds, a NaN failing only its own request, cancellation.</summary>
public class EngineContractTests
{
    private static GenerationRequest Good => Request("r7", Prompt("the cat"), maxNewTokens: 4) with { IgnoreEos = true };

    public static TheoryData<GenerationRequest, string> BadRequests => new()
    {
        { Good with { PromptTokens = [] }, "request r7: the prompt is empty" },
        { Good with { N = 0 }, "request r7: n is 0, must be at least 1" },
        { Good with { MaxNewTokens = 0 }, "request r7: max_new_tokens is 0, must be at least 1" },
        { Good with { PromptTokens = [1, 300] }, "request r7: prompt token 1 is 300, outside the vocabulary [0, 300)" },
        { Good with { PromptTokens = [-1] }, "request r7: prompt token 0 is -1, outside the vocabulary [0, 300)" },
        { Good with { PromptTokens = new int[90], MaxNewTokens = 10 },
            "request r7: prompt of 90 tokens + 10 new tokens needs 100 positions, the engine holds 96 per sequence" },
        { Good with { StopTokenIds = [5000] }, "request r7: stop token id 5000 is outside the vocabulary [0, 300)" },
        { Good with { StopStrings = [""] }, "request r7: stop string 0 is empty" },
        { Good with { Sampling = new() { Temperature = -1 } }, "request r7: SamplingParams.Temperature" },
        { Good with { Id = "" }, "request #1 has no Id" },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public void ABadRequestIsRefusedBeforeAnyCompute(GenerationRequest bad, string message)
    {
        var engine = new GenerationEngine(Model(), Tokenizer, new() { MaxSequenceLength = 96 });
        var e = Assert.Throws<ArgumentException>(() => engine.Run([Request("ok", Prompt("the")), bad]));
        Assert.StartsWith(message, e.Message, StringComparison.Ordinal);
        Assert.Equal(0, engine.Prefills);
    }

    [Fact]
    public void DuplicateIdsAndStopStringsWithoutATokenizerAreRefused()
    {
        var engine = new GenerationEngine(Model(), Tokenizer);
        Assert.Contains("request r7: the Id is used by an earlier request", Assert.Throws<ArgumentException>(() => engine.Run([Good, Good])).Message);
        var tokensOnly = new GenerationEngine(Model(), tokenizer: null);
        Assert.Contains("stop strings need text, but the engine has no tokenizer",
            Assert.Throws<ArgumentException>(() => tokensOnly.Run([Good with { StopStrings = ["x"] }])).Message);
        Assert.Empty(tokensOnly.Run([]));
        var result = tokensOnly.Run([Good])[0].Samples[0];
        Assert.Null(result.Text);
        Assert.Equal(4, result.Tokens.Count);
    }

    [Fact]
    public void TheKvCacheIsBoundedByMaxBatchAndTheBudget()
    {
        var model = Model();
        var perSequence = KvCache.BytesPerSequence(model.Config, 64);
        Assert.Equal(2L * 2 * 4 * 64 * 8 * 4, perSequence);  // L × 2 × NKV × positions × HS × 4 bytes

        var engine = new GenerationEngine(model, Tokenizer, new() { MaxBatch = 16, MaxSequenceLength = 64, KvBudgetBytes = 5 * perSequence / 2 });
        Assert.Equal(2, engine.MaxBatch);
        Assert.Equal(2 * perSequence, engine.KvBytes);
        Assert.Equal(128, new GenerationEngine(model, Tokenizer).MaxSequenceLength);  // the model's 128 positions, under the 1024 cap

        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new GenerationEngine(model, Tokenizer, new() { MaxSequenceLength = 64, KvBudgetBytes = perSequence - 1 }));
        Assert.Contains($"holds no sequence: one of 64 positions needs {perSequence:N0} bytes", e.Message);
        Assert.Contains("MaxSequenceLength is 129, must be in [1, 128]",
            Assert.Throws<ArgumentOutOfRangeException>(() => new GenerationEngine(model, Tokenizer, new() { MaxSequenceLength = 129 })).Message);
    }

    [Fact]
    public void AnUnseededRequestReportsTheSeedThatRepeatsIt()
    {
        var engine = new GenerationEngine(Model(), Tokenizer);
        var request = Good with { Seed = null, N = 3, MaxNewTokens = 12, IgnoreEos = true };

        var first = engine.Run([request]);
        var again = engine.Run([request with { Seed = first[0].Seed }]);
        var other = engine.Run([request]);

        AssertSameSamples(first, again);
        Assert.NotEqual(first[0].Seed, other[0].Seed);
        Assert.NotEqual(first[0].Samples[0].Tokens, other[0].Samples[0].Tokens);
    }

    [Fact]
    public void NaNLogitsFailOnlyTheirRequestWithTheRequestAndStepNamed()
    {
        // An untied head keeps the NaN in the input embedding of one token: only sequences holding it see NaN logits.
        var config = ModelConfig.CreateGpt2(300, 64, 2, 32, 4) with { Family = ModelConfig.Llama, TiedEmbeddings = false, QkvBias = false };
        var model = new TransformerModel(config, seed: 1);
        const int poisoned = 42;
        model.Layout.Wte.In(model.Parameters).Slice(poisoned * 32, 32).Fill(float.NaN);
        var engine = new GenerationEngine(model, Tokenizer, new() { MaxBatch = 2 });
        var avoid = new SamplingParams { LogitBias = new Dictionary<int, float> { [poisoned] = -100f } };
        var completed = new List<GenerationResult>();
        engine.RequestCompleted += completed.Add;

        var results = engine.Run(
        [
            Request("fine", [1, 2, 3], n: 2, maxNewTokens: 6) with { Sampling = avoid, IgnoreEos = true },
            Request("bad", [1, poisoned, 3], n: 3, maxNewTokens: 6),
            Request("after", [4, 5], maxNewTokens: 6) with { Sampling = avoid, IgnoreEos = true },
        ]);

        Assert.True(results[0].Succeeded && results[2].Succeeded);
        Assert.Equal(6, results[2].Samples[0].Tokens.Count);
        Assert.False(results[1].Succeeded);
        Assert.Empty(results[1].Samples);
        Assert.StartsWith("request bad: sample 0, new token 0: ", results[1].Error, StringComparison.Ordinal);
        Assert.Contains("NaN", results[1].Error, StringComparison.Ordinal);
        Assert.Equal(3, completed.Count);
    }

    [Fact]
    public void CancellationStopsTheRun()
    {
        var engine = new GenerationEngine(Model(), Tokenizer);
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.Throws<OperationCanceledException>(() => engine.Generate([Good], ct: cts.Token));
        Assert.Equal(4, engine.Run([Good])[0].Samples[0].Tokens.Count);
    }
}
