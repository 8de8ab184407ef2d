using Fpo.Alignment.Preferences;
using Fpo.Models.Transformer;
using Fpo.Sae;

namespace Fpo.Alignment.Tests.Training;

/// <summary>Random token pairs of mixed lengths for a tiny GPT-2, and a ReLU SAE on its last block that fires on about half its latents.</summary>
internal static class TinyPreferenceData
{
    public static readonly ModelConfig Config = ModelConfig.CreateGpt2(vocabSize: 32, maxPositions: 16, layers: 2, channels: 32, heads: 2);

    public static List<PreferencePair> Pairs(int count, int seed = 17)
    {
        var random = new Random(seed);
        int[] Tokens(int n) => [.. Enumerable.Range(0, n).Select(_ => random.Next(1, Config.VocabSize))];
        return [.. Enumerable.Range(0, count).Select(i => new PreferencePair
        {
            Id = $"pair-{i}", Prompt = "", Chosen = "", Rejected = "",
            PromptTokens = Tokens(2 + i % 3), ChosenTokens = Tokens(3 + i % 4), RejectedTokens = Tokens(2 + i % 5),
        })];
    }

    /// <summary>Random encoder rows scaled to the residual stream of <paramref name="model"/>.</summary>
    public static SaeWeights Sae(TransformerModel model, int latents = 64)
    {
        int C = Config.Channels, F = latents;
        var sae = new SaeWeights(new SaeConfig { Architecture = SaeArchitecture.ReLU, InputSize = C, Latents = F, Layer = Config.Layers - 1 });
        var probe = new int[16];
        for (var i = 0; i < probe.Length; i++) probe[i] = 1 + i;
        model.Forward(probe, 1, probe.Length);
        var resid = model.ResidualPost(Config.Layers - 1);
        double sq = 0;
        foreach (var x in resid) sq += x * x;
        var std = (float)Math.Sqrt(sq / resid.Length);
        var random = new Random(23);
        for (var i = 0; i < sae.EncoderWeight.Length; i++) sae.EncoderWeight[i] = (float)(random.NextDouble() * 2 - 1) * 1.7f / (MathF.Sqrt(C) * std);
        return sae;
    }
}
