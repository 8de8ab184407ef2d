using Fpo.Models.Generation;
using Fpo.Models.Tests.Tokenization;
using Fpo.Models.Tokenization;
using Fpo.Models.Transformer;

namespace Fpo.Models.Tests.Generation;

/// <summary>A tiny BPE (300 ids, &lt;|endoftext|&gt; last) and tiny random models over its vocabulary, for engine tests.</summary>
internal static class TinyGeneration
{
    private static readonly Lazy<BpeTokenizer> Trained = new(() => BpeTrainer.Train(
        [.. TokenizerTestStrings.Generated(400, seed: 21), "the cat sat on the mat, said the dog to the birds."], 300, ["<|endoftext|>"]));

    public static BpeTokenizer Tokenizer => Trained.Value;

    public static int Eos => Tokenizer.EosTokenId!.Value;

    /// <summary>A random GPT-2 shaped model over the tokenizer's vocabulary (or <paramref name="vocabSize"/> ids).</summary>
    public static TransformerModel Model(int seed = 1, int? vocabSize = null) =>
        new(ModelConfig.CreateGpt2(vocabSize ?? Tokenizer.VocabSize, maxPositions: 128, layers: 2, channels: 32, heads: 4), seed);

    /// <summary>Generate with the test's cancellation token.</summary>
    public static IReadOnlyList<GenerationResult> Run(this GenerationEngine engine, IReadOnlyList<GenerationRequest> requests,
        IProgress<GenerationProgress>? progress = null) =>
        engine.Generate(requests, progress, TestContext.Current.CancellationToken);

    public static int[] Prompt(string text) => Tokenizer.Encode(text);

    /// <summary>The id of the byte-level token for one byte.</summary>
    public static int ByteToken(byte b) =>
        Enumerable.Range(0, 256).Single(id => Tokenizer.DecodeBytes([id]) is [var only] && only == b);

    public static GenerationRequest Request(string id, int[] prompt, int n = 1, int maxNewTokens = 8, ulong seed = 1) =>
        new() { Id = id, PromptTokens = prompt, N = n, MaxNewTokens = maxNewTokens, Seed = seed };

    /// <summary>Asserts two runs gave exactly the same samples: tokens, both log-probs (bitwise), text and finish.</summary>
    public static void AssertSameSamples(IReadOnlyList<GenerationResult> expected, IReadOnlyList<GenerationResult> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (var r = 0; r < expected.Count; r++)
        {
            Assert.Equal(expected[r].RequestId, actual[r].RequestId);
            Assert.Equal(expected[r].Seed, actual[r].Seed);
            Assert.Equal(expected[r].Samples.Count, actual[r].Samples.Count);
            for (var s = 0; s < expected[r].Samples.Count; s++)
            {
                GeneratedSample e = expected[r].Samples[s], a = actual[r].Samples[s];
                var where = $"request {expected[r].RequestId} sample {s}";
                Assert.True(e.Tokens.SequenceEqual(a.Tokens), $"{where}: tokens [{string.Join(",", e.Tokens)}] vs [{string.Join(",", a.Tokens)}]");
                Assert.True(e.ModelLogProbs.SequenceEqual(a.ModelLogProbs), $"{where}: model log-probs differ");
                Assert.True(e.SamplingLogProbs.SequenceEqual(a.SamplingLogProbs), $"{where}: sampling log-probs differ");
                Assert.Equal(e.Text, a.Text);
                Assert.Equal(e.FinishReason, a.FinishReason);
                Assert.Equal(e.StopString, a.StopString);
                Assert.Equal(e.StopTokenId, a.StopTokenId);
            }
        }
    }
}
