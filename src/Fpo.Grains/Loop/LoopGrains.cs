using Fpo.Grains.Stores;
using Fpo.Grains.Roles;
using Fpo.Models.Transformer;

namespace Fpo.Grains.Loop;

/// <summary>
/// What the grains of a run share when they build what they own from the run's assets: the check of the settings
/// against the assets, and frozen copies of a model (the reference and the evaluator own one each).
/// </summary>
public static class LoopGrains
{
    /// <summary>Checks <paramref name="settings"/> against the assets' model and that a method reading SAE features has an SAE.</summary>
    public static void Check(LoopAssets assets, LoopSettings settings)
    {
        settings.Validate(assets.InitialPolicy.Config.VocabSize);
        if (assets.Sae is null && settings.Trainer.Training.Method == "fpo")
            throw new ArgumentException("fpo needs an SAE (its constraint reads the SAE's features); give one or choose dpo, simpo, tdpo1 or tdpo2");
    }

    /// <summary>A new model with the weights <paramref name="source"/> holds now, for a grain to own.</summary>
    public static TransformerModel Frozen(TransformerModel source)
    {
        var model = new TransformerModel(source.Config);
        source.Parameters.CopyTo(model.Parameters, 0);
        model.InvalidateInferenceWeights();
        return model;
    }

    /// <summary>A new model of <paramref name="config"/> holding the weights of <paramref name="snapshot"/>.</summary>
    public static TransformerModel Frozen(ModelConfig config, SnapshotContent snapshot)
    {
        var model = new TransformerModel(config);
        PolicySnapshot.Load(snapshot, model);
        return model;
    }
}
