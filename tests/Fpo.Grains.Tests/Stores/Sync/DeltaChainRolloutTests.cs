using Fpo.Grains.Roles;
using Fpo.Grains.Stores;
using Fpo.Grains.Stores.Sync;
using Fpo.Grains.Tests.Roles;
using Fpo.Models.Generation;
using Fpo.Models.Transformer;

namespace Fpo.Grains.Tests.Stores.Sync;

/// <summary>
/// A rollout that catches up through deltas samples what one that read the newest version in full samples: the chain
/// full v0 → delta v1 → delta v2 rebuilds v2's bytes, so greedy and seeded decoding give the same tokens.
/// </summary>
public sealed class DeltaChainRolloutTests
{
    private static readonly ModelConfig Config = ModelConfig.CreateGpt2(97, 64, layers: 2, channels: 64, heads: 4);

    private static readonly GenerationRequest[] Requests =
    [
        new() { Id = "greedy", PromptTokens = [5, 17, 3], MaxNewTokens = 24, Sampling = new() { Temperature = 0 } },
        new() { Id = "sampled", PromptTokens = [8, 1], MaxNewTokens = 24, N = 3, Seed = 1234, Sampling = new() { Temperature = 1f, TopP = 0.95f } },
    ];

    private static IReadOnlyList<int>[] Rollouts(TransformerModel model) =>
        [.. new GenerationEngine(model, null).Generate(Requests).SelectMany(r => r.Samples).Select(s => s.Tokens)];

    private static TransformerModel Loaded(long version, byte[] weights)
    {
        var model = new TransformerModel(Config);
        PolicySnapshot.Load(PolicySnapshotTests.Content(version, new() { [PolicySnapshot.WeightsFile] = weights }), model);
        return model;
    }

    [Theory]
    [InlineData(SnapshotDType.F32)]
    [InlineData(SnapshotDType.BF16)]
    public void Rollouts_from_a_full_then_two_deltas_are_the_rollouts_from_the_last_version_in_full(SnapshotDType dtype)
    {
        var trainer = new TransformerModel(Config, seed: 21);
        var versions = new List<byte[]>();
        for (var v = 0; v < 3; v++)
        {
            // lr 1e-2: steps big enough that v0 and v2 sample differently, so equal tokens mean the chain reached v2
            if (v > 0) WeightDeltaTests.StepOnce(trainer, seed: 30 + v, learningRate: 1e-2f);
            versions.Add(PolicySnapshot.Files(trainer, dtype)[PolicySnapshot.WeightsFile]);
        }
        var width = dtype.ElementBytes();
        var deltas = new[] { WeightDelta.Encode(versions[0], versions[1], width), WeightDelta.Encode(versions[1], versions[2], width) };

        var chained = versions[0];
        foreach (var delta in deltas) chained = WeightDelta.Apply(chained, delta);

        Assert.Equal(SnapshotContent.ComputeSha256(new Dictionary<string, byte[]> { ["w"] = versions[2] }),
            SnapshotContent.ComputeSha256(new Dictionary<string, byte[]> { ["w"] = chained }));
        var fromChain = Rollouts(Loaded(2, chained));
        var fromFull = Rollouts(Loaded(2, versions[2]));
        Assert.Equal(4, fromFull.Length);
        Assert.All(fromFull, tokens => Assert.Equal(24, tokens.Count));
        for (var i = 0; i < fromFull.Length; i++) Assert.Equal(fromFull[i], fromChain[i]);
        Assert.NotEqual(Rollouts(Loaded(0, versions[0])).SelectMany(t => t), fromFull.SelectMany(t => t));
    }
}
