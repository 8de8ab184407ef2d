using Fpo.Models.Transformer;

namespace Fpo.Models.Tests.Transformer;

/// <summary>A prompt's KV rows copied to another slot, or kept in a slot truncated back to them, continue exactly as a
/// fresh prefill of the prompt does.</summary>
public class KvCachePrefixTests
{
    private static readonly int[] Prompt = [3, 1, 4, 1, 5, 9];

    [Theory]
    [InlineData(ModelConfig.Gpt2)]
    [InlineData(ModelConfig.Llama)]
    public void CopiedAndTruncatedPrefixesDecodeLikeAFreshPrefill(string family)
    {
        var config = ModelConfig.CreateGpt2(vocabSize: 20, maxPositions: 16, layers: 2, channels: 16, heads: 4);
        if (family == ModelConfig.Llama) config = config with { Family = family, KvHeads = 2, QkvBias = false, TiedEmbeddings = false };
        var model = new TransformerModel(config, seed: 5);
        var V = config.VocabSize;

        var fresh = model.CreateCache(maxSequences: 1, capacity: 16);
        model.Prefill(fresh, [Prompt]);
        var expected = model.DecodeStep(fresh, [0], [7]).ToArray();

        var cache = model.CreateCache(maxSequences: 3, capacity: 16);
        model.Prefill(cache, [Prompt]);
        model.DecodeStep(cache, [0], [2]);
        model.DecodeStep(cache, [0], [8]);        // slot 0 now holds the prompt and two more tokens
        cache.CopyPrefix(from: 0, to: 2, Prompt.Length);
        Assert.Equal(Prompt.Length, cache.Length(2));
        Assert.Equal(Prompt.Length + 2, cache.Length(0));
        cache.Truncate(0, Prompt.Length);

        var both = model.DecodeStep(cache, [0, 2], [7, 7]).ToArray();
        Assert.Equal(expected, both[..V]);
        Assert.Equal(expected, both[V..]);
    }

    [Fact]
    public void APrefixLongerThanTheSlotIsRefused()
    {
        var model = new TransformerModel(ModelConfig.CreateGpt2(11, 8, 1, 8, 2), seed: 1);
        var cache = model.CreateCache(2, 8);
        model.Prefill(cache, [[1, 2, 3]]);
        Assert.Contains("slot 0 holds 3 positions", Assert.Throws<ArgumentOutOfRangeException>(() => cache.CopyPrefix(0, 1, 4)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => cache.Truncate(1, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => cache.CopyPrefix(0, 2, 1));
    }
}
