using Fpo.Models.Transformer;
using Fpo.Sae.Harvesting;

namespace Fpo.Sae.Tests.Harvesting;

public sealed class ActivationHarvesterTests
{
    private const int T = 8, Windows = 6;
    private static readonly ModelConfig Config = ModelConfig.CreateGpt2(vocabSize: 64, maxPositions: 32, layers: 3, channels: 32, heads: 4);

    private static int[] Stream(int length) => Enumerable.Range(0, length).Select(i => (i * 37 + 11) % 64).ToArray();

    // resid_post[layer] of every window from the training forward: (Windows*T, C)
    private static float[] Reference(TransformerModel model, int[] tokens, int layer)
    {
        model.Forward(tokens.AsSpan(0, Windows * T), Windows, T);
        return model.ResidualPost(layer).ToArray();
    }

    private static List<float[]> HarvestAll(TransformerModel model, int[] tokens, int layer, ResidualHook hook, long maxTokens, int B)
    {
        var harvester = new ActivationHarvester(model, layer, hook, T, windowsPerPass: 2);
        var buffer = new ActivationBuffer(2 * T + B + 5, Config.Channels, seed: 3);
        var rows = new List<float[]>();
        foreach (var batch in harvester.Batches(tokens, maxTokens, buffer, B))
            for (var b = 0; b < B; b++) rows.Add(batch.AsSpan(b * Config.Channels, Config.Channels).ToArray());
        return rows;
    }

    // Each harvested row matches a distinct reference row (inference and training attention differ by rounding only).
    private static void AssertSameRows(float[] reference, List<float[]> rows)
    {
        var C = Config.Channels;
        var used = new bool[reference.Length / C];
        var worst = 0.0;
        foreach (var row in rows)
        {
            var (best, at) = (double.MaxValue, -1);
            for (var r = 0; r < used.Length; r++)
            {
                if (used[r]) continue;
                double d = 0;
                for (var c = 0; c < C; c++) d = Math.Max(d, Math.Abs(row[c] - reference[r * C + c]));
                if (d < best) (best, at) = (d, r);
            }
            Assert.True(best < 1e-4, $"a harvested row is {best} away from every unused reference row");
            used[at] = true;
            worst = Math.Max(worst, best);
        }
        TestContext.Current.SendDiagnosticMessage($"harvested rows: max abs diff {worst:E2} from the training forward");
    }

    [Fact]
    public void HarvestsEveryTokenOfTheStreamOnceAtResidPost()
    {
        var model = new TransformerModel(Config, seed: 5);
        var tokens = Stream(Windows * T + 5);  // a tail shorter than a window is dropped
        var rows = HarvestAll(model, tokens, layer: 1, ResidualHook.ResidPost, long.MaxValue, B: 4);
        Assert.Equal(Windows * T, rows.Count);
        AssertSameRows(Reference(model, tokens, 1), rows);
    }

    [Fact]
    public void ResidPreOfALayerIsResidPostOfThePreviousOne()
    {
        var model = new TransformerModel(Config, seed: 6);
        var tokens = Stream(Windows * T);
        var rows = HarvestAll(model, tokens, layer: 2, ResidualHook.ResidPre, long.MaxValue, B: 8);
        AssertSameRows(Reference(model, tokens, 1), rows);
        Assert.Null(model.CaptureLayer);
    }

    [Fact]
    public void StopsAtTheTokenLimitInWholeWindows()
    {
        var model = new TransformerModel(Config, seed: 7);
        var rows = HarvestAll(model, Stream(Windows * T), layer: 0, ResidualHook.ResidPost, maxTokens: 3 * T + 2, B: 4);
        Assert.Equal(3 * T, rows.Count);
    }

    [Fact]
    public void RefusesBadHooksAndABufferTooSmallForAPassAndABatch()
    {
        var model = new TransformerModel(Config, seed: 8);
        Assert.Throws<ArgumentOutOfRangeException>(() => new ActivationHarvester(model, 3, ResidualHook.ResidPost, T, 2));
        Assert.Contains("embedding", Assert.Throws<ArgumentException>(() => new ActivationHarvester(model, 0, ResidualHook.ResidPre, T, 2)).Message);
        var harvester = new ActivationHarvester(model, 0, ResidualHook.ResidPost, T, 2);
        var small = new ActivationBuffer(2 * T + 3, Config.Channels, 1);
        Assert.Contains("at least 20", Assert.Throws<ArgumentException>(() => harvester.Batches(Stream(Windows * T), long.MaxValue, small, 4)).Message);
        var wrongWidth = new ActivationBuffer(100, 7, 1);
        Assert.Throws<ArgumentException>(() => harvester.Batches(Stream(Windows * T), long.MaxValue, wrongWidth, 4));
        Assert.Throws<ArgumentException>(() => harvester.Batches(Stream(T - 1), long.MaxValue, new ActivationBuffer(100, Config.Channels, 1), 4));
    }
}
