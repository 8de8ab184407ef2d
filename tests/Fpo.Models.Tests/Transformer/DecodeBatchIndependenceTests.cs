using Fpo.Models.Optimization;
using Fpo.Models.Transformer;

namespace Fpo.Models.Tests.Transformer;

/// <summary>
/// A sequence's decode logits do not depend on what else is in the batch (bitwise), in both inference precisions;
/// the bf16 weights follow the fp32 parameters.
/// </summary>
public class DecodeBatchIndependenceTests
{
    private const int Batch = 16, Target = 5, Steps = 4;

    public static TheoryData<string, InferencePrecision> Families => new()
    {
        { ModelConfig.Gpt2, InferencePrecision.Float32 },
        { ModelConfig.Gpt2, InferencePrecision.BFloat16 },
        { ModelConfig.Llama, InferencePrecision.Float32 },
        { ModelConfig.Llama, InferencePrecision.BFloat16 },
    };

    [Theory]
    [MemberData(nameof(Families))]
    public void DecodeLogitsAreBitwiseTheSameAloneAndInABatchOf16(string family, InferencePrecision precision)
    {
        var model = new TransformerModel(Config(family), seed: 3) { InferencePrecision = precision };
        int V = model.Config.VocabSize;
        var rng = new Random(11);
        var prompt = Tokens(rng, 6, V);
        var next = Tokens(rng, Steps, V);

        var alone = model.CreateCache(1, 32);
        model.Extend(alone, [0], [prompt.Length], prompt);
        var aloneLogits = new List<float[]>();
        for (var s = 0; s < Steps; s++) aloneLogits.Add(model.DecodeStep(alone, [0], [next[s]]).ToArray());

        var batch = model.CreateCache(Batch, 32);
        for (var slot = 0; slot < Batch; slot++)
        {
            var p = slot == Target ? prompt : Tokens(rng, 1 + slot % 9, V);
            model.Extend(batch, [slot], [p.Length], p);
        }
        // the target sits at a different row of the batch than its slot, among neighbours at other positions
        var slots = Enumerable.Range(0, Batch).Reverse().ToArray();
        var row = Array.IndexOf(slots, Target);
        for (var s = 0; s < Steps; s++)
        {
            var tokens = Tokens(rng, Batch, V);
            tokens[row] = next[s];
            var logits = model.DecodeStep(batch, slots, tokens).Slice(row * V, V);
            Assert.True(logits.SequenceEqual(aloneLogits[s]),
                $"{family} {precision}: step {s} logits of the sequence differ between batch 1 and row {row} of a batch of {Batch}");
        }
    }

    [Theory]
    [InlineData(ModelConfig.Gpt2)]
    [InlineData(ModelConfig.Llama)]
    public void Bf16LogitsAreCloseToFp32(string family)
    {
        var model = new TransformerModel(Config(family), seed: 4);
        int[] prompt = [5, 9, 2, 7];
        var fp32 = Last(model, prompt);
        model.InferencePrecision = InferencePrecision.BFloat16;
        var bf16 = Last(model, prompt);
        float diff = 0, scale = 0;
        for (var i = 0; i < fp32.Length; i++) (diff, scale) = (Math.Max(diff, Math.Abs(fp32[i] - bf16[i])), Math.Max(scale, Math.Abs(fp32[i])));
        Console.WriteLine($"{family}: max |bf16 - fp32| logits = {diff:E2} (scale {scale:E2})");
        Assert.True(diff > 0, "bf16 inference gave exactly the fp32 logits: the bf16 weights were not used");
        Assert.True(diff < 0.02f * scale, $"bf16 logits differ from fp32 by {diff}, more than 2% of their scale {scale}");
    }

    [Fact]
    public void Bf16WeightsFollowAdamWStepsAndAnnouncedWrites()
    {
        var model = new TransformerModel(Config(ModelConfig.Gpt2), seed: 5) { InferencePrecision = InferencePrecision.BFloat16 };
        int[] prompt = [1, 2, 3];
        var before = Last(model, prompt);

        var fresh = new TransformerModel(Config(ModelConfig.Gpt2), seed: 6);
        fresh.Parameters.CopyTo(model.Parameters, 0);
        model.InvalidateInferenceWeights();
        var written = Last(model, prompt);
        fresh.InferencePrecision = InferencePrecision.BFloat16;
        Assert.True(written.AsSpan().SequenceEqual(Last(fresh, prompt)), "after InvalidateInferenceWeights the bf16 copy must be rebuilt from the new parameters");
        Assert.False(written.AsSpan().SequenceEqual(before), "new parameters gave the old logits");

        var version = model.ParameterVersion;
        model.ForwardLoss([1, 2, 3, 4], [2, 3, 4, 5], 1, 4);
        model.ZeroGrad();
        model.Backward();
        AdamW.For(model, new AdamWSettings()).Step(1e-2f);
        Assert.True(model.ParameterVersion > version, "an AdamW step must announce that the parameters changed");
        Assert.False(Last(model, prompt).AsSpan().SequenceEqual(written), "logits after an AdamW step equal those before it: stale bf16 weights");
    }

    private static float[] Last(TransformerModel model, int[] prompt) =>
        model.Prefill(model.CreateCache(1, prompt.Length), [prompt]).ToArray();

    private static int[] Tokens(Random rng, int n, int V) => [.. Enumerable.Range(0, n).Select(_ => rng.Next(V))];

    // Widths that are not multiples of 16, so the SIMD tails of every kernel run.
    internal static ModelConfig Config(string family) => family == ModelConfig.Gpt2
        ? ModelConfig.CreateGpt2(vocabSize: 300, maxPositions: 64, layers: 2, channels: 70, heads: 5)
        : new ModelConfig
        {
            Family = ModelConfig.Llama, VocabSize = 300, MaxPositions = 64, Layers = 2, Channels = 72, Heads = 4, KvHeads = 2,
            HiddenSize = 168, NormEps = 1e-5f, QkvBias = false, TiedEmbeddings = false,
        };
}
