using Fpo.Models.Transformer;
using Fpo.Sae.Harvesting;

namespace Fpo.Sae.Tests.Harvesting;

public sealed class HarvestResumeTests
{
    private const int T = 8, B = 6;
    private static readonly ModelConfig Config = ModelConfig.CreateGpt2(vocabSize: 64, maxPositions: 32, layers: 2, channels: 16, heads: 4);
    private static readonly int[] Tokens = [.. Enumerable.Range(0, 20 * T).Select(i => (i * 29 + 3) % 64)];

    // A harvest stopped after some batches and restarted at its token offset with the saved buffer rows and random
    // state yields exactly the batches the uninterrupted harvest went on to yield.
    [Fact]
    public void RestartingAtTheHarvestedOffsetWithTheSavedBufferContinuesTheSameBatches()
    {
        var model = new TransformerModel(Config, seed: 4);
        var harvester = new ActivationHarvester(model, 1, ResidualHook.ResidPost, T, windowsPerPass: 2);
        var whole = harvester.Batches(Tokens, long.MaxValue, new ActivationBuffer(40, Config.Channels, seed: 5), B).Select(b => b.ToArray()).ToList();

        var buffer = new ActivationBuffer(40, Config.Channels, seed: 5);
        var first = new List<float[]>();
        long offset = 0;
        foreach (var batch in harvester.Batches(Tokens, long.MaxValue, buffer, B))
        {
            first.Add(batch.ToArray());
            offset = harvester.TokensHarvested;
            if (first.Count == 7) break;
        }
        var saved = new ActivationBuffer(40, Config.Channels, seed: 99);  // another seed: the restored state must win
        saved.Restore(buffer.Rows, buffer.RandomState);
        var rest = harvester.Batches(Tokens, long.MaxValue, saved, B, offset).Select(b => b.ToArray()).ToList();

        Assert.True(offset is > 0 and < 20 * T, $"the cut should fall inside the stream (at {offset})");
        Assert.Equal(whole.Count, first.Count + rest.Count);
        for (var i = 0; i < whole.Count; i++) Assert.Equal(whole[i], i < first.Count ? first[i] : rest[i - first.Count]);
        Assert.Throws<ArgumentOutOfRangeException>(() => harvester.Batches(Tokens, long.MaxValue, saved, B, startToken: 3));
    }
}
