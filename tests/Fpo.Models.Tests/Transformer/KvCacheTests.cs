using Fpo.Models.Transformer;

namespace Fpo.Models.Tests.Transformer;

/// <summary>KV-cached prefill and decode give the full forward's logits for prompts of different lengths.</summary>
public class KvCacheTests
{
    [Theory]
    [InlineData("model_gpt2")]
    [InlineData("model_llama")]
    [InlineData("model_qwen2")]
    public void DecodeMatchesTheFullForwardForMixedPromptLengths(string fixture)
    {
        using var g = new GoldenModel(fixture);
        var model = g.Model;
        int V = g.Config.VocabSize;
        var rng = new Random(7);
        var sequences = new[] { 7, 2, 12 }.Select(n => Enumerable.Range(0, n).Select(_ => rng.Next(V)).ToList()).ToArray();
        var cache = model.CreateCache(maxSequences: 4, capacity: 24);

        var logits = model.Prefill(cache, sequences.Select(s => s.ToArray()).ToArray()).ToArray();
        float worst = 0;
        for (var i = 0; i < sequences.Length; i++) worst = Math.Max(worst, MaxDiff(logits.AsSpan(i * V, V), FullForwardLast(model, sequences[i])));

        for (var step = 0; step < 6; step++)
        {
            // slot 1 sits out every other step, so the active sequences are at unrelated positions
            int[] slots = step % 2 == 0 ? [0, 1, 2] : [0, 2];
            var next = slots.Select(_ => rng.Next(V)).ToArray();
            logits = model.DecodeStep(cache, slots, next).ToArray();
            for (var i = 0; i < slots.Length; i++)
            {
                sequences[slots[i]].Add(next[i]);
                Assert.Equal(sequences[slots[i]].Count, cache.Length(slots[i]));
                worst = Math.Max(worst, MaxDiff(logits.AsSpan(i * V, V), FullForwardLast(model, sequences[slots[i]])));
            }
        }
        Console.WriteLine($"{fixture}: max |decode - full forward| = {worst:E2}");
        Assert.True(worst <= 1e-5f, $"KV-cached logits differ from the full forward by {worst:E3}");
    }

    [Fact]
    public void InferenceCapturesTheResidualStreamOfOneLayer()
    {
        using var g = new GoldenModel("model_llama");
        var model = g.Model;
        int C = g.Config.Channels;
        int[][] prompts = [[3, 1, 4, 1, 5], [9, 2]];
        model.CaptureLayer = 1;
        var cache = model.CreateCache(2, 8);
        model.Prefill(cache, prompts);
        var captured = model.CapturedResidual.ToArray();
        var row = 0;
        foreach (var prompt in prompts)
        {
            model.Forward(prompt, 1, prompt.Length);
            GoldenModel.AssertClose("resid_post[1]", captured.AsSpan(row * C, prompt.Length * C), model.ResidualPost(1));
            row += prompt.Length;
        }
        model.DecodeStep(cache, [1], [7]);
        model.Forward([9, 2, 7], 1, 3);
        GoldenModel.AssertClose("resid_post[1] decode", model.CapturedResidual, model.ResidualPost(1)[(2 * C)..]);
    }

    [Fact]
    public void ExceedingTheCacheCapacityIsAClearError()
    {
        var model = new TransformerModel(ModelConfig.CreateGpt2(vocabSize: 11, maxPositions: 16, layers: 1, channels: 8, heads: 2), seed: 1);
        var cache = model.CreateCache(maxSequences: 2, capacity: 4);
        model.Prefill(cache, [[1, 2, 3], [4]]);
        model.DecodeStep(cache, [0, 1], [5, 6]);
        var e = Assert.Throws<InvalidOperationException>(() => model.DecodeStep(cache, [0, 1], [7, 8]));
        Assert.Contains("slot 0 would hold 5 positions, over its capacity of 4", e.Message);
        Assert.Equal(4, cache.Length(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => model.DecodeStep(cache, [2], [1]));
        Assert.Contains("capacity exceeds the model's 16 positions",
            Assert.Throws<ArgumentOutOfRangeException>(() => model.CreateCache(1, 17)).Message);
    }

    private static float[] FullForwardLast(TransformerModel model, List<int> tokens)
    {
        model.Forward(tokens.ToArray(), 1, tokens.Count);
        var V = model.Config.VocabSize;
        return model.Logits.Slice((tokens.Count - 1) * V, V).ToArray();
    }

    private static float MaxDiff(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        float max = 0;
        for (var i = 0; i < a.Length; i++) max = Math.Max(max, Math.Abs(a[i] - b[i]));
        return max;
    }
}
