using Fpo.Alignment.Explanations;
using Fpo.Grains.Contracts;
using Fpo.Grains.Stores;
using Fpo.Grains.Loop;
using Fpo.Grains.Roles;
using Fpo.Models.Tokenization;
using Fpo.Models.Transformer;
using Fpo.Sae;
using Fpo.Silo.SiloApi.Features;

namespace Fpo.Silo.SiloApi;

/// <summary>
/// The fixed parts of a run the API needs: the model's shape and tokenizer (to serve snapshots and show tokens), the SAE
/// with its explanations (from `fpo sae explain`'s explanations.json in the SAE folder, when there is one), k of the
/// drift's feature set, how the run's FeatureStats grains shard the latents, and the logit lens built from the reference (snapshot 0), the model the SAE was trained on.
/// </summary>
public sealed class RunModel
{
    private RunModel(ModelConfig config, BpeTokenizer tokenizer, SaeWeights? sae, IReadOnlyDictionary<int, FeatureExplanation> explanations,
        int driftTopK, int featureShardSize, LogitLens? lens)
    {
        Config = config;
        Tokenizer = tokenizer;
        Sae = sae;
        Explanations = explanations;
        DriftTopK = driftTopK;
        FeatureShardSize = featureShardSize;
        Lens = lens;
    }

    public ModelConfig Config { get; }
    public BpeTokenizer Tokenizer { get; }
    public SaeWeights? Sae { get; }
    public IReadOnlyDictionary<int, FeatureExplanation> Explanations { get; }
    public int DriftTopK { get; }

    /// <summary>Latents per FeatureStats grain, as the run's grains shard them (loop.feature_shard_size).</summary>
    public int FeatureShardSize { get; }
    public LogitLens? Lens { get; }

    /// <summary>Latents of the SAE (0 without one).</summary>
    public int Latents => Sae?.Config.Latents ?? 0;

    /// <summary>The run model of a run's assets (`fpo loop`'s, or those an api-role silo loads from snapshot 0 with RunAssets.Load).</summary>
    public static Task<RunModel> CreateAsync(IRunStores stores, LoopAssets assets, LoopSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(assets);
        ArgumentNullException.ThrowIfNull(settings);
        return CreateAsync(stores, assets.InitialPolicy.Config, assets.Tokenizer, assets.Sae, assets.SaeDir, settings.Evaluator.DriftTopK, cancellationToken, settings.FeatureShardSize);
    }

    /// <summary>Reads snapshot 0 of <paramref name="stores"/> for the logit lens (the run must have published it).</summary>
    public static async Task<RunModel> CreateAsync(IRunStores stores, ModelConfig config, BpeTokenizer tokenizer, SaeWeights? sae, string? saeDir,
        int driftTopK, CancellationToken cancellationToken, int featureShardSize = FeatureShards.DefaultSize)
    {
        ArgumentNullException.ThrowIfNull(stores);
        ArgumentOutOfRangeException.ThrowIfLessThan(driftTopK, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(featureShardSize, 1);
        var explanations = saeDir is null ? new Dictionary<int, FeatureExplanation>() : ExplanationStore.Load(saeDir);
        LogitLens? lens = null;
        if (sae is not null)
        {
            var reference = new TransformerModel(config);
            PolicySnapshot.Load(await stores.Snapshots.GetAsync(0, cancellationToken).ConfigureAwait(false), reference);
            lens = LogitLens.Of(reference, sae);
        }
        return new RunModel(config, tokenizer, sae, explanations, driftTopK, featureShardSize, lens);
    }
}
